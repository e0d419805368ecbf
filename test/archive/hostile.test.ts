// Hostile and broken archives: each is refused with a plain message before anything is stored, so the member's
// stored weeks, sync state and published file stay exactly as they were.
import fs from 'node:fs';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, importArchive, openArchive } from '../../src/archive/index.ts';
import { DEFAULT_LIMITS } from '../../src/archive/limits.ts';
import { publishedFiles, storedWeeks, syncState } from '../../src/db/schema.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { createMember, dates, jackson, storylineDay, tempDir, writeFile, zipBuffer } from './fixtures.ts';

let ctx: TestContext;
let dir: string;
let memberId: number;
let ohMemberId: string;
const DAYS = dates('20160104', 7).map((d) => storylineDay(d));
const STORYLINE = 'json/full/storyline.json';

beforeAll(async () => {
  ctx = await createTestContext({});
  dir = tempDir();
  ({ memberId, ohMemberId } = await createMember(ctx));
  await ctx.weeks.save(memberId, {
    week: '2015-W23',
    daysJson: JSON.stringify([storylineDay('20150601')]),
    dates: ['20150601'],
    complete: true,
    source: 'moves',
  });
  await ctx.db.insert(publishedFiles).values({
    memberId,
    ohFileId: 4242,
    basename: 'moves-storyline-data.json',
    size: 100,
    md5: 'abc',
    dayCount: 1,
    status: 'current',
  });
});
afterAll(async () => {
  await ctx?.close();
});

/** Everything an import could touch. */
async function snapshot() {
  return {
    weeks: await ctx.db
      .select()
      .from(storedWeeks)
      .where(eq(storedWeeks.memberId, memberId))
      .orderBy(asc(storedWeeks.week)),
    state: await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId)),
    files: await ctx.db.select().from(publishedFiles).where(eq(publishedFiles.memberId, memberId)),
  };
}

async function expectRefused(name: string, data: Buffer | string, message: RegExp) {
  const before = await snapshot();
  const file = writeFile(dir, name, data);
  const err = await importArchive(ctx, { ohMemberId, file }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveError);
  expect((err as Error).message).toMatch(message);
  expect(await snapshot()).toEqual(before);
}

/** A zip whose entry name is swapped, byte for byte, for one yazl would refuse to write. */
async function zipWithName(placeholder: string, name: string, content: string): Promise<Buffer> {
  expect(name.length).toBe(placeholder.length);
  const zip = await zipBuffer({ [placeholder]: content });
  const from = Buffer.from(placeholder);
  const to = Buffer.from(name);
  let i = zip.indexOf(from);
  while (i !== -1) {
    to.copy(zip, i);
    i = zip.indexOf(from, i + 1);
  }
  return zip;
}

/** Sets the "encrypted" flag in every local and central header. */
function markEncrypted(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  for (let i = 0; i < out.length - 4; i++) {
    const sig = out.readUInt32LE(i);
    if (sig === 0x04034b50) out.writeUInt16LE(out.readUInt16LE(i + 6) | 1, i + 6);
    if (sig === 0x02014b50) out.writeUInt16LE(out.readUInt16LE(i + 8) | 1, i + 8);
  }
  return out;
}

describe('hostile archives change nothing', () => {
  it('refuses zip-slip paths', async () => {
    const zip = await zipWithName(`xx/xx/${STORYLINE}`, `../../${STORYLINE}`, jackson(DAYS));
    await expectRefused('slip.zip', zip, /unsafe name \(invalid relative path: \.\.\/\.\.\/json/);
  });

  it('refuses absolute paths', async () => {
    const zip = await zipWithName(`x${STORYLINE}`, `/${STORYLINE}`, jackson(DAYS));
    await expectRefused('absolute.zip', zip, /unsafe name \(absolute path/);
  });

  it('refuses symbolic links', async () => {
    const zip = await zipBuffer({ [STORYLINE]: '/etc/passwd' }, { mode: { [STORYLINE]: 0o120777 } });
    await expectRefused('symlink.zip', zip, /symbolic link \(json\/full\/storyline\.json\)/);
  });

  it('refuses password-protected entries', async () => {
    const zip = markEncrypted(await zipBuffer({ [STORYLINE]: jackson(DAYS) }));
    await expectRefused('encrypted.zip', zip, /password-protected/);
  });

  it('refuses a zip bomb by its compression ratio, before unpacking it', async () => {
    const zip = await zipBuffer({ [STORYLINE]: `[${' '.repeat(40 * 1024 * 1024)}]` });
    expect(zip.length).toBeLessThan(200 * 1024);
    await expectRefused(
      'bomb.zip',
      zip,
      /looks like a zip bomb: json\/full\/storyline\.json would unpack \d+ times/,
    );
  });

  it('refuses too many entries and too many unpacked bytes (limits lowered for the test)', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) many[`junk/${i}.txt`] = 'x';
    many[STORYLINE] = jackson(DAYS);
    const file = writeFile(dir, 'many.zip', await zipBuffer(many));
    await expect(openArchive(file, { limits: { ...DEFAULT_LIMITS, maxEntries: 20 } })).rejects.toThrow(
      /holds more than 20 files/,
    );
    await expect(
      openArchive(file, { limits: { ...DEFAULT_LIMITS, maxUncompressedBytes: 1000 } }),
    ).rejects.toThrow(/would unpack to more than 0 MB/);
  });

  it('opens nested zips one at a time: 2,000 tiny ones hold no file descriptors open', async () => {
    const nested: Record<string, Buffer> = {};
    const tiny = await zipBuffer({ 'readme.txt': 'not a storyline' });
    for (let i = 0; i < 2000; i++) nested[`n${String(i).padStart(4, '0')}/json.zip`] = tiny;
    // Sorted last, so every other nested zip is searched first.
    nested['z/json.zip'] = await zipBuffer({ [STORYLINE]: jackson(DAYS) });
    const file = writeFile(dir, 'nested-many.zip', await zipBuffer(nested));
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    const archive = await openArchive(file);
    try {
      // Without closing each before the next, all 2,001 stay open until the import ends.
      expect(fds() - before).toBeLessThan(50);
      let days = 0;
      for await (const item of archive.items()) if (item.kind === 'day') days++;
      expect(days).toBe(DAYS.length);
      expect(archive.source).toContain('z/json.zip');
    } finally {
      await archive.close();
    }
    expect(fds() - before).toBeLessThan(10);
  });

  it("counts nested zips' entries against the entry limit", async () => {
    const nested: Record<string, Buffer> = {};
    for (let i = 0; i < 60; i++) nested[`n${i}/json.zip`] = await zipBuffer({ 'readme.txt': 'x' });
    nested['z/json.zip'] = await zipBuffer({ [STORYLINE]: jackson(DAYS) });
    const file = writeFile(dir, 'nested-entries.zip', await zipBuffer(nested));
    // 61 entries in the outer zip and 61 more inside: each zip alone is under the limit.
    await expect(openArchive(file, { limits: { ...DEFAULT_LIMITS, maxEntries: 100 } })).rejects.toThrow(
      /holds more than 100 files \(nested zips counted\)/,
    );
  });

  it('refuses a non-zip, a truncated zip, and JSON that is not an array', async () => {
    await expectRefused(
      'photo.zip',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
      /neither a zip archive nor/,
    );
    const whole = await zipBuffer({ [STORYLINE]: jackson(DAYS) });
    await expectRefused('cut.zip', whole.subarray(0, whole.length - 30), /not a readable zip archive/);
    await expectRefused('object.json', jackson({ days: DAYS }), /holds a JSON object, not a list of days/);
  });

  it('refuses JSON nesting absurdly deep and a day larger than the limit', async () => {
    const deep = `[{"date":"20160104","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`;
    await expectRefused('deep.zip', await zipBuffer({ [STORYLINE]: deep }), /nests deeper than 32 levels/);
    const file = writeFile(dir, 'big-day.json', jackson(DAYS));
    const archive = await openArchive(file, { limits: { ...DEFAULT_LIMITS, maxDayBytes: 200 } });
    const read = async () => {
      for await (const item of archive.items()) void item;
    };
    await expect(read()).rejects.toThrow(/an entry is larger than 200 bytes/);
    await archive.close();
  });

  it('skips days with invalid dates or wrong types, storing only valid ones', async () => {
    const file = writeFile(
      dir,
      'types.json',
      jackson([{ date: 20160104 }, { date: '20161332' }, { date: '20160105', segments: 'x' }, DAYS[2]]),
    );
    const report = await importArchive(ctx, { ohMemberId, file });
    expect(report).toMatchObject({ added: 1, skipped: 3 });
    expect(report.skippedEntries.map((s) => s.reason)).toEqual([
      expect.stringMatching(/expected string/),
      expect.stringMatching(/not a calendar date/),
      expect.stringMatching(/expected array/),
    ]);
  });
});
