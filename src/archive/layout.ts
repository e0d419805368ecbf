// Where storyline JSON lives in a Moves export. Pure: entry names in, a choice of entries out.
// The export nests json.zip inside moves_export.zip, but many people unzipped it first, so the same tree shows up
// as json/…, moves_export/json/… or moves_export/json/json/…: we match on the tail of the path only.

/** Storyline cuts, best first: one file with every day beats hundreds of per-period files. */
export const CUTS = ['full', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type StorylineCut = (typeof CUTS)[number];

export interface StorylineFile {
  cut: StorylineCut;
  /** The period the file covers, sortable as text in date order ('' for the full file). */
  period: string;
}

const PATTERNS: Record<StorylineCut, RegExp> = {
  full: /(?:^|\/)json\/full\/storyline\.json$/i,
  daily: /(?:^|\/)json\/daily\/storyline\/storyline_(\d{8})\.json$/i,
  weekly: /(?:^|\/)json\/weekly\/storyline\/storyline_(\d{4}-W\d{2})\.json$/i,
  monthly: /(?:^|\/)json\/monthly\/storyline\/storyline_(\d{6})\.json$/i,
  yearly: /(?:^|\/)json\/yearly\/storyline\/storyline_(\d{4})\.json$/i,
};

/** Zips inside the export worth opening: the JSON format's own zip, or a whole export zipped once more. */
const NESTED_ZIP = /(?:^|\/)(?:json|moves_export[^/]*)\.zip$/i;

/** Finder/Explorer leftovers that mirror real names but hold no data. */
function isJunk(name: string): boolean {
  return /(?:^|\/)__MACOSX\//.test(name) || /(?:^|\/)\._[^/]*$/.test(name);
}

function normalize(name: string): string {
  return name.replace(/\\/g, '/');
}

/** The storyline file an entry name stands for, if any. */
export function classifyStoryline(name: string): StorylineFile | null {
  const n = normalize(name);
  if (isJunk(n)) return null;
  for (const cut of CUTS) {
    const m = PATTERNS[cut].exec(n);
    if (m) return { cut, period: m[1]?.toUpperCase() ?? '' };
  }
  return null;
}

export function isNestedZip(name: string): boolean {
  const n = normalize(name);
  return !isJunk(n) && NESTED_ZIP.test(n);
}

export interface Choice<T> {
  cut: StorylineCut;
  /** In date order. */
  items: T[];
}

/**
 * Picks the best cut present and orders its files by period. A full file wins outright (several copies of it, as in
 * json/ next to json/json/, are the same data: the first name is taken).
 */
export function chooseStoryline<T>(candidates: Iterable<{ name: string; item: T }>): Choice<T> | null {
  const byCut = new Map<StorylineCut, { name: string; period: string; item: T }[]>();
  for (const c of candidates) {
    const f = classifyStoryline(c.name);
    if (!f) continue;
    const list = byCut.get(f.cut) ?? [];
    list.push({ name: c.name, period: f.period, item: c.item });
    byCut.set(f.cut, list);
  }
  for (const cut of CUTS) {
    const list = byCut.get(cut);
    if (!list) continue;
    list.sort((a, b) =>
      a.period === b.period ? a.name.localeCompare(b.name) : a.period < b.period ? -1 : 1,
    );
    // One copy per period: unzipped-twice exports hold the same file under two folders.
    const seen = new Set<string>();
    const items = list.filter((f) => !seen.has(f.period) && seen.add(f.period)).map((f) => f.item);
    return { cut, items: cut === 'full' ? items.slice(0, 1) : items };
  }
  return null;
}

/** How good a cut is (lower is better), for comparing what an outer and a nested zip offer. */
export function cutRank(cut: StorylineCut): number {
  return CUTS.indexOf(cut);
}
