// Imports a Moves export for one member. Two phases, so that the database is never held for long and a failure
// leaves nothing half-merged:
//   1. stage: stream the archive's storyline days, check each, group them into ISO weeks, merge each week with
//      what is stored (newer lastUpdate wins, src/archive/merge.ts) and write the weeks that change to a staging
//      file next to the upload (short reads only, progress can be shown meanwhile);
//   2. commit: one transaction writes the staged weeks, the event and the caller's own rows (an upload's status).
// The website's uploads run this in the member's job (src/archive/upload-job.ts); `import-archive` runs it directly.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { AppContext } from '../context.ts';
import { checkDayText, type DayCheck } from '../sync/day-validation.ts';
import { weekIsComplete, weekOfDate } from '../moves/weeks.ts';
import { openArchive, type OpenedArchive } from './archive-reader.ts';
import { scanArrayElements } from './json-elements.ts';
import { mergeWeek, newerOf, type DayCopy } from './merge.ts';

export class UnknownMemberError extends Error {
  override name = 'UnknownMemberError';
}

/** The import was interrupted by a shutdown before its commit: nothing was stored, it can run again. */
export class ImportInterruptedError extends Error {
  override name = 'ImportInterruptedError';
}

export interface SkippedEntry {
  /** The day's date (2016-01-12) when the entry has one, else file and item number ("…storyline.json, item 12"). */
  where: string;
  reason: string;
}

/** A refused entry that names a calendar date: kept for the member (src/imports/archive-imports.ts). */
export interface RefusedDay {
  /** yyyyMMdd */
  date: string;
  reason: string;
}

export interface ImportReport {
  /** Which file(s) of the archive the days came from. */
  source: string;
  /** Valid days read from the archive. */
  daysRead: number;
  /** Days nothing was stored for: now stored. */
  added: number;
  /** Days stored before whose archive copy has a newer lastUpdate: the archive's copy won. */
  replaced: number;
  /** Days whose stored copy is as new as the archive's: already current, kept. */
  current: number;
  /** Of `current`, days whose stored copy is strictly newer: the stored copy won. */
  storedNewer: number;
  /** Weeks written. */
  weeks: number;
  /** The archive's valid days, first and last. */
  firstDay: string | null;
  lastDay: string | null;
  /** Entries that were not valid days (or per-period files that could not be read), skipped. */
  skipped: number;
  /** The first MAX_LISTED skipped entries with their reasons (every refused day is kept: refusedDays). */
  skippedEntries: SkippedEntry[];
  /** Skipped entries that name a calendar date: each is kept with its reason, for the day page and the list. */
  refusedDays: number;
  /** What is stored for the member after the import. */
  covered: { firstDay: string | null; lastDay: string | null; days: number };
}

/** The CLI's report: the import's, plus who it was for and what was queued. */
export interface ArchiveImportReport extends ImportReport {
  memberId: number;
  ohMemberId: string;
  /** False when a sync was already waiting for this member (it will publish the import too). */
  syncQueued: boolean;
  movesConnected: boolean;
}

export const MAX_LISTED = 5;

export const OH_MEMBER_ID = /^\d{8}$/;

export interface ImportOptions {
  /** The file's name as the member knows it. */
  displayName?: string;
  /** Where the staging file and unpacked nested zips go (DATA_DIR/imports by default). */
  workDir?: string;
  /** Called about twice a second while the archive is read. */
  onProgress?: (p: { done: number; total: number }) => Promise<void>;
  /** Runs inside the commit transaction (the upload job marks its row done there). */
  onCommit?: (tx: AppContext, report: ImportReport) => Promise<void>;
}

export function importWorkDir(ctx: AppContext): string {
  return path.resolve(ctx.config.dataDir, 'imports');
}

/** Imports one archive file for a member: stage, then commit in one transaction. */
export async function importArchiveFile(
  ctx: AppContext,
  memberId: number,
  file: string,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const workDir = opts.workDir ?? importWorkDir(ctx);
  await fs.promises.mkdir(workDir, { recursive: true });
  const account = await ctx.accounts.movesAccount(memberId);
  // Opening reads the zip directories: a file that is no archive at all, or a hostile one, fails here.
  const archive = await openArchive(file, {
    tmpDir: workDir,
    ...(opts.displayName ? { displayName: opts.displayName } : {}),
  });
  const staging = path.join(workDir, `staging-${memberId}-${process.pid}-${Date.now()}.ndjson`);
  try {
    const refused: RefusedDay[] = [];
    const report = await stage(ctx, memberId, archive, staging, {
      timeZone: account?.timeZone ?? 'UTC',
      onProgress: opts.onProgress,
      refused,
    });
    await ctx.transaction(async (txCtx) => {
      await txCtx.imports.recordRefused(memberId, opts.displayName ?? path.basename(file), refused);
      await commit(txCtx, memberId, staging);
      const range = await txCtx.weeks.range(memberId);
      report.covered = { firstDay: range.firstDay, lastDay: range.lastDay, days: range.dayCount };
      if (report.weeks > 0) await txCtx.syncState.update(memberId, { unpublishedWeeks: report.weeks });
      await txCtx.syncState.recordEvent(memberId, 'archive_imported', describeImport(report), { ...report });
      await opts.onCommit?.(txCtx, report);
    });
    return report;
  } finally {
    await archive.close();
    await fs.promises.rm(staging, { force: true });
  }
}

interface StagedWeek {
  week: string;
  days: DayCopy[];
  complete: boolean;
}

function emptyReport(source: string): ImportReport {
  return {
    source,
    daysRead: 0,
    added: 0,
    replaced: 0,
    current: 0,
    storedNewer: 0,
    weeks: 0,
    firstDay: null,
    lastDay: null,
    skipped: 0,
    skippedEntries: [],
    refusedDays: 0,
    covered: { firstDay: null, lastDay: null, days: 0 },
  };
}

function skipEntry(report: ImportReport, where: string, reason: string): void {
  report.skipped++;
  if (report.skippedEntries.length < MAX_LISTED) report.skippedEntries.push({ where, reason });
}

/** What one staging run writes to and counts in. */
interface Staging {
  ctx: AppContext;
  memberId: number;
  out: fs.promises.FileHandle;
  report: ImportReport;
  /** The member's stored weeks and whether each is complete. */
  stored: Map<string, boolean>;
  timeZone: string;
  now: Date;
}

/** Merges one week's days from the archive with what is stored, and stages the week if anything changes. */
async function stageWeek(s: Staging, week: string, pending: Map<string, DayCopy>): Promise<void> {
  if (pending.size === 0) return;
  const { report } = s;
  const before = s.stored.has(week) ? await loadWeekDays(s.ctx, s.memberId, week) : [];
  const merged = mergeWeek(before, [...pending.values()]);
  report.added += merged.added.length;
  report.replaced += merged.replaced.length;
  report.current += merged.current.length;
  const beforeByDate = new Map(before.map((d) => [d.date, d]));
  for (const d of merged.current)
    if (pending.get(d)!.text !== beforeByDate.get(d)!.text) report.storedNewer++;
  if (merged.added.length + merged.replaced.length > 0) {
    const line: StagedWeek = {
      week,
      days: merged.days,
      // A week stored before keeps its flag; an archive's past week is final (Moves is gone).
      complete: s.stored.get(week) ?? weekIsComplete(week, s.timeZone, s.now),
    };
    await s.out.write(`${JSON.stringify(line)}\n`);
    report.weeks++;
  }
}

/** A refused entry: skipped, and kept for the member when it names a calendar date. */
function refuseEntry(
  report: ImportReport,
  refused: RefusedDay[],
  origin: string,
  check: Exclude<DayCheck, { ok: true }>,
): void {
  skipEntry(report, check.date ? dashed(check.date) : origin, check.reason);
  if (check.date && isValidDate(check.date)) {
    refused.push({ date: check.date, reason: check.reason });
    report.refusedDays++;
  }
}

function countDay(report: ImportReport, date: string): void {
  report.daysRead++;
  if (!report.firstDay || date < report.firstDay) report.firstDay = date;
  if (!report.lastDay || date > report.lastDay) report.lastDay = date;
}

async function stage(
  ctx: AppContext,
  memberId: number,
  archive: OpenedArchive,
  staging: string,
  p: { timeZone: string; onProgress: ImportOptions['onProgress']; refused: RefusedDay[] },
): Promise<ImportReport> {
  const report = emptyReport(archive.source);
  const stored = new Map((await ctx.weeks.list(memberId)).map((w) => [w.week, w.complete]));
  const out = await fs.promises.open(staging, 'w');
  const s: Staging = { ctx, memberId, out, report, stored, timeZone: p.timeZone, now: ctx.clock.date() };
  let week: string | null = null;
  let pending = new Map<string, DayCopy>();
  let lastReport = Date.now();
  try {
    for await (const item of archive.items()) {
      if (ctx.shutdownSignal.aborted) throw new ImportInterruptedError('the worker is shutting down');
      if (p.onProgress && Date.now() - lastReport >= 500) {
        lastReport = Date.now();
        await p.onProgress({ ...archive.progress });
      }
      if (item.kind === 'skipped') {
        skipEntry(report, item.origin, item.reason);
        continue;
      }
      const check = checkEntry(item.text);
      if (!check.ok) {
        refuseEntry(report, p.refused, item.origin, check);
        continue;
      }
      countDay(report, check.date);
      if (check.week !== week) {
        if (week) await stageWeek(s, week, pending);
        week = check.week;
        pending = new Map();
      }
      const copy: DayCopy = { date: check.date, lastUpdate: check.lastUpdate, text: item.text };
      const earlier = pending.get(check.date);
      pending.set(check.date, earlier ? newerOf(earlier, copy) : copy);
    }
    if (week) await stageWeek(s, week, pending);
    await p.onProgress?.({ ...archive.progress, done: archive.progress.total });
  } finally {
    await out.close();
  }
  return report;
}

/** Writes the staged weeks. A week staged twice (days out of order in the archive) is merged again. */
async function commit(tx: AppContext, memberId: number, staging: string): Promise<void> {
  const written = new Set<string>();
  for await (const line of stagedLines(staging)) {
    if (!line) continue;
    const w = JSON.parse(line) as StagedWeek;
    const days = written.has(w.week)
      ? mergeWeek(await loadWeekDays(tx, memberId, w.week), w.days).days
      : w.days;
    written.add(w.week);
    // A day stored now is no longer refused (an earlier import may have refused it).
    await tx.imports.clearRefused(
      memberId,
      days.map((d) => d.date),
    );
    await tx.weeks.save(memberId, {
      week: w.week,
      daysJson: `[${days.map((d) => d.text).join(',')}]`,
      dates: days.map((d) => d.date),
      complete: w.complete,
      source: 'archive',
    });
  }
}

/**
 * The staging file's lines. Split at \n only: JSON.stringify escapes every \n and \r inside strings but leaves
 * U+2028 and U+2029 as they are, and readline would cut a line at those (and a member's names may hold them).
 */
async function* stagedLines(staging: string): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  for await (const chunk of fs.createReadStream(staging) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
      parts.push(chunk.subarray(from, nl));
      yield Buffer.concat(parts).toString('utf8');
      parts = [];
      from = nl + 1;
    }
    if (from < chunk.length) parts.push(chunk.subarray(from));
  }
  if (parts.length) yield Buffer.concat(parts).toString('utf8');
}

/** A stored week's days, each with its date and lastUpdate, text unchanged. */
async function loadWeekDays(ctx: AppContext, memberId: number, week: string): Promise<DayCopy[]> {
  const daysJson = await ctx.weeks.daysOf(memberId, week);
  if (daysJson === undefined) return [];
  const days: DayCopy[] = [];
  for await (const text of scanArrayElements(Readable.from([daysJson]))) {
    const c = checkDayText(text);
    if (c.ok) days.push({ date: c.date, lastUpdate: c.lastUpdate, text });
  }
  return days;
}

/**
 * One entry checked, with its week. Whatever an entry holds is the file's problem, never the import's: an error
 * while reading it skips the entry with its reason instead of failing the whole import.
 */
function checkEntry(text: string): Exclude<DayCheck, { ok: true }> | (DayCheck & { ok: true; week: string }) {
  try {
    const check = checkDayText(text);
    return check.ok ? { ...check, week: weekOfDate(check.date) } : check;
  } catch (err) {
    return { ok: false, reason: `the entry cannot be read (${(err as Error).message})` };
  }
}

/** yyyyMMdd → yyyy-MM-dd, whether or not it is a calendar date. */
const dashed = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** A yyyyMMdd that names a day a week can hold (00000101 does not). */
function isValidDate(date: string): boolean {
  try {
    weekOfDate(date);
    return true;
  } catch {
    return false;
  }
}

/** One line for recent activity. */
export function describeImport(r: ImportReport): string {
  const parts = [
    r.added + r.replaced > 0
      ? `Imported ${r.added + r.replaced} days from a Moves export`
      : 'Imported a Moves export: nothing new',
  ];
  if (r.replaced) parts.push(`${r.replaced} replaced older stored copies`);
  if (r.current) parts.push(`${r.current} already current`);
  if (r.skipped) parts.push(`${r.skipped} invalid entries skipped`);
  if (r.refusedDays) parts.push(`${r.refusedDays} days refused`);
  return parts.join('; ');
}

/** The operator's command: imports directly (no upload) and queues the member's job to publish. */
export async function importArchive(
  ctx: AppContext,
  p: { ohMemberId: string; file: string },
): Promise<ArchiveImportReport> {
  if (!OH_MEMBER_ID.test(p.ohMemberId))
    throw new UnknownMemberError(`"${p.ohMemberId}" is not an Open Humans project member id (8 digits)`);
  const memberId = await ctx.accounts.findMemberByOhId(p.ohMemberId);
  if (memberId === undefined)
    throw new UnknownMemberError(
      `no member with Open Humans project member id ${p.ohMemberId}: they must sign in to oh-moves first`,
    );
  const account = await ctx.accounts.movesAccount(memberId);
  const report = await importArchiveFile(ctx, memberId, p.file, { displayName: path.basename(p.file) });
  const syncQueued = report.weeks > 0 ? await ctx.queue.enqueueSync(memberId, 'import') : false;
  return { ...report, memberId, ohMemberId: p.ohMemberId, syncQueued, movesConnected: account !== undefined };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The report as the command line prints it. */
export function formatArchiveReport(r: ArchiveImportReport): string {
  const lines = [
    `Member ${r.ohMemberId}: imported ${plural(r.added + r.replaced, 'day')} in ${plural(r.weeks, 'week')}` +
      (r.firstDay ? ` (archive covers ${r.firstDay} to ${r.lastDay})` : '') +
      ` from ${r.source}.`,
  ];
  if (r.replaced)
    lines.push(`${plural(r.replaced, 'stored day')} replaced by a newer copy from the archive.`);
  if (r.current)
    lines.push(
      `${plural(r.current, 'day')} already current (kept the stored copy${r.storedNewer ? `, newer for ${r.storedNewer}` : ''}).`,
    );
  if (r.skipped) {
    lines.push(`Skipped ${plural(r.skipped, 'invalid entry', 'invalid entries')}:`);
    for (const s of r.skippedEntries) lines.push(`  ${s.where}: ${s.reason}`);
    if (r.skipped > r.skippedEntries.length)
      lines.push(`  … and ${r.skipped - r.skippedEntries.length} more`);
    if (r.refusedDays)
      lines.push(
        `${plural(r.refusedDays, 'refused day')} kept with the reason: the member's day pages say why, and /import/refused.csv lists every one.`,
      );
  }
  if (r.covered.firstDay)
    lines.push(
      `Now stored: ${plural(r.covered.days, 'day')}, ${r.covered.firstDay} to ${r.covered.lastDay}.`,
    );
  if (r.weeks === 0) lines.push('Nothing new was stored, so nothing will be published.');
  else
    lines.push(
      r.syncQueued
        ? 'The member’s job is queued: the data will be published to Open Humans.'
        : 'The member’s job was already queued: it will publish the imported data.',
    );
  return lines.join('\n');
}
