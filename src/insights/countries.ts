// Which country a position lies in, from @rapideditor/country-coder's boundaries bundled with the package: the
// lookup runs here, so no location ever leaves the server. Answers are kept per grid cell (a day's points share
// a few), which also bounds the cache.
import { iso1A2Code } from '@rapideditor/country-coder';
import { cellCentre, cellKey, cellOf } from './grid.ts';

const MAX_CACHED = 100_000;
const cache = new Map<number, string | null>();

/** The ISO 3166-1 alpha-2 code of the country at a grid cell's centre (grid.ts), if it lies in one. */
export function countryOfCell(la: number, lo: number): string | undefined {
  const key = cellKey(la, lo);
  let code = cache.get(key);
  if (code === undefined) {
    const c = cellCentre(la, lo);
    code = iso1A2Code([c.lon, c.lat]);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, code);
  }
  return code ?? undefined;
}

/**
 * The ISO 3166-1 alpha-2 code of the country at a position: the country of its grid cell's centre, or, when the
 * centre lies in no country (a coast), of the point itself.
 */
export function countryAt(lat: number, lon: number): string | undefined {
  const [la, lo] = cellOf(lat, lon);
  return countryOfCell(la, lo) ?? iso1A2Code([lon, lat]) ?? undefined;
}

const names = new Intl.DisplayNames(['en'], { type: 'region' });

/** A country's English name from its code (the code itself when Intl does not know it). */
export function countryName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
