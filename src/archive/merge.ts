// The merge rule for an imported day: when the archive and what is stored both hold a date, the copy with the
// newer lastUpdate stays (a tie keeps the stored one: nothing changes). Pure: day texts in, a week's days out.

/** A day's JSON text with the fields the rule needs. */
export interface DayCopy {
  date: string;
  /** Moves' yyyyMMdd'T'HHmmssZ (Z or ±hhmm); absent in some hand-made files. */
  lastUpdate?: string | undefined;
  text: string;
}

export interface WeekMerge {
  /** The week's days after the merge, in date order. */
  days: DayCopy[];
  /** Archive days for dates nothing was stored for. */
  added: string[];
  /** Archive days newer than the stored copy: the archive won. */
  replaced: string[];
  /** Archive days no newer than the stored copy: already current, the stored copy won. */
  current: string[];
}

const LAST_UPDATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.\d+)?(Z|[+-]\d{4})$/;

/** Milliseconds since the epoch; -Infinity when absent or unreadable (any dated copy beats it). */
export function lastUpdateTime(value: string | undefined): number {
  const m = value ? LAST_UPDATE.exec(value) : null;
  if (!m) return -Infinity;
  const [, y, mo, d, h, mi, s, zone] = m;
  const offset =
    zone === 'Z'
      ? 0
      : (zone!.startsWith('-') ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(3)));
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) - offset * 60_000;
}

/** True when `candidate` should replace `kept`. */
export function isNewer(candidate: DayCopy, kept: DayCopy): boolean {
  return lastUpdateTime(candidate.lastUpdate) > lastUpdateTime(kept.lastUpdate);
}

/** Merges one week's archive days into its stored days. */
export function mergeWeek(stored: readonly DayCopy[], archive: readonly DayCopy[]): WeekMerge {
  const byDate = new Map(stored.map((d) => [d.date, d]));
  const result: WeekMerge = { days: [], added: [], replaced: [], current: [] };
  for (const day of archive) {
    const kept = byDate.get(day.date);
    if (!kept) {
      result.added.push(day.date);
      byDate.set(day.date, day);
    } else if (isNewer(day, kept)) {
      result.replaced.push(day.date);
      byDate.set(day.date, day);
    } else result.current.push(day.date);
  }
  result.days = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return result;
}

/** The newer of two copies of one date inside the archive itself (later wins a tie: the file's own order). */
export function newerOf(a: DayCopy, b: DayCopy): DayCopy {
  return isNewer(a, b) ? a : b;
}
