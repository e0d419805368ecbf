// The density map's data: the grid-cell counts of every day (or of one year) added up, coarsened by whole
// factors until at most MAX_CELLS cells remain, so the payload stays small whatever the history's length.
import { GRID_DEGREES } from './grid.ts';
import type { DayCells } from './service.ts';

export const MAX_CELLS = 20_000;

export interface Density {
  /** The cells' size in degrees. */
  size: number;
  /** Flat [lat index, lon index, count, …] of cells of `size`. */
  cells: number[];
  points: number;
  max: number;
}

function addUp(days: DayCells[], factor: number): Map<string, [number, number, number]> {
  const sums = new Map<string, [number, number, number]>();
  for (const d of days)
    for (const [la, lo, n] of d.cells) {
      const a = Math.floor(la / factor);
      const b = Math.floor(lo / factor);
      const key = `${a},${b}`;
      const s = sums.get(key);
      if (s) s[2] += n;
      else sums.set(key, [a, b, n]);
    }
  return sums;
}

/** The counts of `days` (only those of `year` when given). */
export function densityOf(days: DayCells[], year?: number, maxCells = MAX_CELLS): Density {
  const chosen = year === undefined ? days : days.filter((d) => Number(d.date.slice(0, 4)) === year);
  let factor = 1;
  let sums = addUp(chosen, factor);
  while (sums.size > maxCells) {
    factor *= 2;
    sums = addUp(chosen, factor);
  }
  const cells: number[] = [];
  let points = 0;
  let max = 0;
  for (const [a, b, n] of sums.values()) {
    cells.push(a, b, n);
    points += n;
    if (n > max) max = n;
  }
  return { size: GRID_DEGREES * factor, cells, points, max };
}
