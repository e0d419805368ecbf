// Small spherical helpers for building plausible paths.
export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_M = 6_371_000;
const rad = (d: number): number => (d * Math.PI) / 180;

export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function pathLengthM(path: readonly LatLon[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) total += distanceM(path[i - 1]!, path[i]!);
  return total;
}

/** The point `meters` away from `from` on the given bearing (degrees from north). */
export function offsetM(from: LatLon, meters: number, bearingDeg: number): LatLon {
  const b = rad(bearingDeg);
  const dLat = (meters * Math.cos(b)) / EARTH_M;
  const dLon = (meters * Math.sin(b)) / (EARTH_M * Math.cos(rad(from.lat)));
  return { lat: from.lat + (dLat * 180) / Math.PI, lon: from.lon + (dLon * 180) / Math.PI };
}

export function lerp(a: LatLon, b: LatLon, f: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

/** Position at fraction f (0..1) of a polyline's length. */
export function alongPath(path: readonly LatLon[], f: number): LatLon {
  if (path.length === 1 || f <= 0) return path[0]!;
  if (f >= 1) return path[path.length - 1]!;
  const total = pathLengthM(path);
  let target = total * f;
  for (let i = 1; i < path.length; i++) {
    const seg = distanceM(path[i - 1]!, path[i]!);
    if (target <= seg || i === path.length - 1)
      return lerp(path[i - 1]!, path[i]!, seg === 0 ? 0 : target / seg);
    target -= seg;
  }
  return path[path.length - 1]!;
}

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
