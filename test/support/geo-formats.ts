// Checks of our downloads that a test can fail on: GPX against the GPX 1.1 XSD (libxml2's validator, compiled
// to WebAssembly by xmllint-wasm), GeoJSON by its RFC 7946 structure.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';

const XSD = fs.readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/gpx-1.1.xsd'),
  'utf8',
);

/** The XSD validation errors of a GPX document (empty when valid). */
export async function gpxSchemaErrors(gpx: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'export.gpx', contents: gpx }],
    schema: [{ fileName: 'gpx.xsd', contents: XSD }],
    maxMemoryPages: 4096,
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}

const isPosition = (p: unknown): boolean =>
  Array.isArray(p) &&
  p.length === 2 &&
  typeof p[0] === 'number' &&
  typeof p[1] === 'number' &&
  Math.abs(p[0]) <= 180 &&
  Math.abs(p[1]) <= 90;

/** The structural problems of a GeoJSON FeatureCollection of Points and LineStrings (empty when sound). */
export function geojsonProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const fc = doc as { type?: unknown; features?: unknown };
  if (fc?.type !== 'FeatureCollection') problems.push('not a FeatureCollection');
  if (!Array.isArray(fc?.features)) return [...problems, 'features is not an array'];
  fc.features.forEach(
    (
      f: { type?: unknown; geometry?: { type?: unknown; coordinates?: unknown }; properties?: unknown },
      i: number,
    ) => {
      if (f?.type !== 'Feature') problems.push(`feature ${i}: type is not Feature`);
      if (!f?.properties || typeof f.properties !== 'object')
        problems.push(`feature ${i}: no properties object`);
      const g = f?.geometry;
      if (g?.type === 'Point') {
        if (!isPosition(g.coordinates)) problems.push(`feature ${i}: Point without a [lon, lat] position`);
      } else if (g?.type === 'LineString') {
        const c = g.coordinates;
        if (!Array.isArray(c) || c.length < 2 || !c.every(isPosition))
          problems.push(`feature ${i}: LineString without two or more [lon, lat] positions`);
      } else problems.push(`feature ${i}: geometry ${String(g?.type)} is neither Point nor LineString`);
    },
  );
  return problems;
}
