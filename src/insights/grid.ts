// The grid the density map counts track points in: cells of GRID_DEGREES, named by integer indices so that the
// counts of many days add up cell by cell, and coarser grids are whole multiples of the stored one.
/** About 550 m north to south: fine enough for a city, coarse enough that a 5-year history stays small. */
export const GRID_DEGREES = 0.005;

/** The index pair of the cell holding a point. */
export function cellOf(lat: number, lon: number): [number, number] {
  return [Math.floor(lat / GRID_DEGREES), Math.floor(lon / GRID_DEGREES)];
}

/**
 * A cell's index pair as one number, for maps: no string is built per track point. Unique for grids of
 * GRID_DEGREES or coarser (longitude indices lie within ±36,000).
 */
export const cellKey = (latIdx: number, lonIdx: number) => latIdx * 100_000 + lonIdx;

/** The centre of a cell of `size` degrees. */
export function cellCentre(
  latIdx: number,
  lonIdx: number,
  size = GRID_DEGREES,
): { lat: number; lon: number } {
  return { lat: (latIdx + 0.5) * size, lon: (lonIdx + 0.5) * size };
}

/** A real position: finite numbers on the globe. */
export function isPosition(lat: unknown, lon: unknown): lat is number {
  return (
    typeof lat === 'number' &&
    typeof lon === 'number' &&
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180
  );
}

/** Great-circle distance in metres. */
export function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}
