// The array scanner the import reads storyline files with: element texts compact and otherwise as written,
// whatever the chunking, and clear errors for what is not an array.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scanArrayElements } from '../../src/archive/json-elements.ts';
import { rawArrayElements } from '../../src/sync/day-stream.ts';
import { jackson, storylineDay } from './fixtures.ts';

async function scan(text: string, chunk = 7, limits = {}): Promise<string[]> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const out: string[] = [];
  for await (const e of scanArrayElements(Readable.from(chunks), limits)) out.push(e);
  return out;
}

describe('scanArrayElements', () => {
  it('keeps line and paragraph separators, NEL and astral characters exactly, split across chunks anywhere', async () => {
    const names = ['a\u2028b', 'c\u2029d', 'e\u0085f', 'g😀h\r', '\\u2028'];
    const text = `[ ${names.map((n) => JSON.stringify({ name: n })).join(',\n ')} ]`;
    for (const size of [1, 2, 3, 5])
      expect((await scan(text, size)).map((e) => JSON.parse(e).name)).toEqual(names);
    // The seed reads Open Humans files with the same rules.
    const got: string[] = [];
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    for await (const e of rawArrayElements(Readable.from(chunks))) got.push(JSON.parse(e).name);
    expect(got).toEqual(names);
  });

  it('yields each element compact, keeping numbers, escapes and key order as written, in any chunking', async () => {
    const days = [storylineDay('20160104'), storylineDay('20160105')];
    const text = `\uFEFF${jackson(days)}`.replace('"id" : 1004', '"id" : 123456789012345678901');
    for (const size of [1, 3, 7, 4096]) {
      const got = await scan(text, size);
      expect(got).toHaveLength(2);
      expect(got[0]).toContain('"id":123456789012345678901');
      expect(JSON.parse(got[1]!)).toEqual(days[1]);
    }
    const tricky = '[ {"name" : "Caf\\u00e9 [1], {x} \\"quoted\\" \\\\", "n" : 46.0 }, 42, "s, t", null ]';
    expect(await scan(tricky, 2)).toEqual([
      '{"name":"Caf\\u00e9 [1], {x} \\"quoted\\" \\\\","n":46.0}',
      '42',
      '"s, t"',
      'null',
    ]);
    expect(await scan('[ ]')).toEqual([]);
    expect(await scan('["é€𝄞"]', 1)).toEqual(['"é€𝄞"']);
  });

  it('refuses what is not a complete array, data after it, deep nesting and huge entries', async () => {
    await expect(scan('{"date":"20160104"}')).rejects.toThrow(/not a JSON array/);
    await expect(scan('')).rejects.toThrow(/empty or not a JSON array/);
    await expect(scan('[{"a":1},{"b":')).rejects.toThrow(/ends before the JSON array is complete/);
    await expect(scan('[1] [2]')).rejects.toThrow(/unexpected data after the JSON array/);
    await expect(scan('[1 2]')).rejects.toThrow(/unexpected "2" between entries/);
    await expect(scan(`[${'['.repeat(40)}${']'.repeat(40)}]`, 7, { maxDepth: 32 })).rejects.toThrow(
      /nests deeper than 32 levels/,
    );
    await expect(scan(`["${'x'.repeat(500)}"]`, 7, { maxBytes: 100 })).rejects.toThrow(
      /larger than 100 bytes/,
    );
  });
});
