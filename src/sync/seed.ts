// Seeding from Open Humans: members of the original app have no stored weeks but a published
// moves-storyline-data.json. It is streamed (never loaded whole), checked day by day, de-duplicated by date and
// split into ISO weeks, so the sync only fetches what is missing. It also becomes the member's current file, so
// the first publish replaces it (by id) after the new upload.
import crypto from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { AppContext } from '../context.ts';
import type { OhFile } from '../openhumans/client.ts';
import { checkDayText } from './day-validation.ts';
import { rawArrayElements } from './day-stream.ts';
import { STORYLINE_FILENAME } from './publish.ts';
import type { WeekSource } from './week-store.ts';
import { weekIsComplete, weekOfDate } from '../moves/weeks.ts';

export interface SplitResult {
  weeks: number;
  days: number;
  invalid: number;
  /** The first few problems, in plain words. */
  problems: string[];
  /** Weeks left alone because they were already stored (skipWeeks). */
  skipped?: number;
}

/**
 * Splits a stream of day texts into stored weeks. Input is expected in date order; a week that shows up again
 * later is merged with what was stored for it. A later copy of a date replaces an earlier one.
 */
export async function storeDaysAsWeeks(
  ctx: AppContext,
  memberId: number,
  days: AsyncIterable<string>,
  p: { source: WeekSource; timeZone: string; now: Date; skipWeeks?: ReadonlySet<string> },
): Promise<SplitResult> {
  const result: SplitResult = { weeks: 0, days: 0, invalid: 0, problems: [] };
  const skipped = new Set<string>();
  let week: string | null = null;
  let pending = new Map<string, string>();
  const seen = new Set<string>();
  let lastWeek: string | null = null;
  let firstWeek: string | null = null;

  const flush = async () => {
    if (!week || pending.size === 0) return;
    if (p.skipWeeks?.has(week)) {
      // Stored already (fetched from Moves or imported): what is stored is at least as good as this copy.
      skipped.add(week);
      pending = new Map();
      return;
    }
    if (seen.has(week)) {
      // Out-of-order input: merge with the copy stored earlier in this run.
      const stored = await ctx.weeks.daysOf(memberId, week);
      if (stored !== undefined) {
        for await (const text of rawArrayElements(Readable.from([stored]))) {
          const c = checkDayText(text);
          if (c.ok && !pending.has(c.date)) pending.set(c.date, text);
        }
      }
    }
    const dates = [...pending.keys()].sort();
    const daysJson = `[${dates.map((d) => pending.get(d)!).join(',')}]`;
    // Complete only if fully past and all its days are there (the first week may start at firstDate).
    const full = dates.length === 7 || week === firstWeek;
    await ctx.weeks.save(memberId, {
      week,
      daysJson,
      dates,
      complete: full && weekIsComplete(week, p.timeZone, p.now),
      source: p.source,
    });
    if (!seen.has(week)) result.weeks++;
    seen.add(week);
    pending = new Map();
  };

  for await (const text of days) {
    const c = checkDayText(text);
    if (!c.ok) {
      result.invalid++;
      if (result.problems.length < 5) result.problems.push(c.reason);
      continue;
    }
    const w = weekOfDate(c.date);
    firstWeek ??= w;
    if (w !== week) {
      await flush();
      week = w;
    }
    if (!p.skipWeeks?.has(w) && !pending.has(c.date)) result.days++;
    pending.set(c.date, text);
    if (!lastWeek || w > lastWeek) lastWeek = w;
  }
  await flush();
  if (p.skipWeeks) result.skipped = skipped.size;
  // The newest week may have been fetched before it ended: always fetch it again.
  if (lastWeek && !p.skipWeeks?.has(lastWeek)) {
    await ctx.weeks.markStale(memberId, [lastWeek]);
  }
  return result;
}

/** Our project's newest storyline file; files other projects share with us are never ours to replace. */
export function pickStorylineFile(files: OhFile[], sourcesShared: string[] = []): OhFile | undefined {
  const shared = new Set(sourcesShared);
  return files
    .filter((f) => f.basename === STORYLINE_FILENAME && !shared.has(f.source))
    .sort((a, b) => b.id - a.id)[0];
}

export interface SeedResult extends SplitResult {
  seeded: boolean;
  fileCreated?: Date;
}

export async function seedFromOpenHumans(
  ctx: AppContext,
  memberId: number,
  ohAccessToken: string,
  /** skipWeeks: weeks already stored, which the file must not replace. */
  p: { timeZone: string; skipWeeks?: ReadonlySet<string> },
): Promise<SeedResult> {
  const member = await ctx.openHumans.exchangeMember(ohAccessToken);
  const file = pickStorylineFile(member.files, member.sourcesShared);
  if (!file) return { seeded: false, weeks: 0, days: 0, invalid: 0, problems: [] };

  const download: Readable = await ctx.openHumans.download(file.downloadUrl);
  const hash = crypto.createHash('md5');
  let size = 0;
  const tap = new PassThrough();
  tap.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  download.on('error', (err) => tap.destroy(err));
  download.pipe(tap);

  let split: SplitResult;
  let unreadable: string | null = null;
  try {
    split = await storeDaysAsWeeks(
      ctx,
      memberId,
      readDaysTolerantly(tap, (m) => (unreadable = m)),
      {
        source: 'openhumans',
        timeZone: p.timeZone,
        now: ctx.clock.date(),
        ...(p.skipWeeks ? { skipWeeks: p.skipWeeks } : {}),
      },
    );
  } catch (err) {
    // A broken download must not leave half a history that would later replace the full file.
    await ctx.weeks.remove(memberId, 'openhumans');
    // Nothing was registered: the next sync looks the file up again.
    throw err;
  }

  await ctx.publishing.adoptSeeded(memberId, {
    ohFileId: file.id,
    basename: file.basename,
    size,
    md5: hash.digest('hex'),
    dayCount: split.days,
    publishedAt: new Date(file.created),
  });

  if (split.invalid > 0 || unreadable) {
    await ctx.syncState.recordEvent(
      memberId,
      'seed_invalid_days',
      unreadable
        ? `The existing Open Humans file is damaged after ${split.days} days (${unreadable}); the rest will be fetched from Moves`
        : `${split.invalid} entries of the existing Open Humans file were not valid days and were skipped`,
      { invalid: split.invalid, problems: split.problems, unreadable },
    );
  }
  await ctx.syncState.recordEvent(
    memberId,
    'seeded',
    split.skipped
      ? `Read ${split.days} days (${split.weeks} weeks) from the existing Open Humans file; ${split.skipped} weeks already stored were kept`
      : `Read ${split.days} days (${split.weeks} weeks) from the existing Open Humans file`,
    { ohFileId: file.id, size, ...split },
  );
  return { seeded: true, fileCreated: new Date(file.created), ...split };
}

/** Days of a JSON array; a syntax error ends the stream (keeping what came before) and is reported. */
async function* readDaysTolerantly(
  input: Readable,
  onUnreadable: (message: string) => void,
): AsyncGenerator<string> {
  try {
    yield* rawArrayElements(input);
  } catch (err) {
    const e = err as Error & { code?: string };
    // Network failures are real errors (retry later); bad JSON is a property of the file.
    if (e.name === 'UpstreamError' || e.code?.startsWith('ERR_') || e.code === 'ECONNRESET') throw err;
    onUnreadable(e.message);
  }
}
