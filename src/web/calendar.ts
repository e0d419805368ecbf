// The history calendar: one grid per year (months × days), each day marked by whether it has data and its
// step count. Pure: takes per-day totals, returns what the template draws.
import { DateTime } from 'luxon';

export interface DayTotal {
  /** yyyyMMdd */
  date: string;
  steps: number;
  hasData: boolean;
}

export interface CalendarCell {
  day: number;
  iso: string;
  /** 'none' (no such date), 'empty' (no data), or level 0–4 by steps. */
  level: 'none' | 'empty' | 0 | 1 | 2 | 3 | 4;
  steps: number;
  label: string;
}

export interface CalendarYear {
  year: number;
  daysWithData: number;
  totalSteps: number;
  months: { name: string; cells: CalendarCell[] }[];
}

export function stepLevel(steps: number): 0 | 1 | 2 | 3 | 4 {
  if (steps <= 0) return 0;
  if (steps < 3000) return 1;
  if (steps < 7000) return 2;
  if (steps < 12000) return 3;
  return 4;
}

const fmt = new Intl.NumberFormat('en');

export function buildCalendar(days: DayTotal[]): CalendarYear[] {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const years = [...new Set(days.filter((d) => d.hasData).map((d) => Number(d.date.slice(0, 4))))].sort(
    (a, b) => a - b,
  );
  return years.map((year) => {
    let daysWithData = 0;
    let totalSteps = 0;
    const months = Array.from({ length: 12 }, (_, m) => {
      const first = DateTime.utc(year, m + 1, 1);
      const cells: CalendarCell[] = Array.from({ length: 31 }, (_, i) => {
        const day = i + 1;
        if (day > (first.daysInMonth ?? 31)) return { day, iso: '', level: 'none', steps: 0, label: '' };
        const iso = first.set({ day }).toISODate()!;
        const total = byDate.get(iso.replace(/-/g, ''));
        if (!total || !total.hasData) return { day, iso, level: 'empty', steps: 0, label: `${iso}: no data` };
        daysWithData++;
        totalSteps += total.steps;
        return {
          day,
          iso,
          level: stepLevel(total.steps),
          steps: total.steps,
          label: `${iso}: ${fmt.format(total.steps)} steps`,
        };
      });
      return { name: first.toFormat('LLL'), cells };
    });
    return { year, daysWithData, totalSteps, months };
  });
}
