// Imports a Moves export for one member: its storyline days are checked, grouped into ISO weeks by the sync
// engine (storeDaysAsWeeks, source 'archive') and published by the sync queued afterwards.
// Weeks that came from Moves itself (or from the original app's Open Humans file) are never replaced: the
// archive only fills gaps. A re-import replaces weeks an earlier import stored.
import { and, eq, ne } from 'drizzle-orm';
import { findMemberByOhId } from '../accounts/index.ts';
import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { movesAccounts, storedWeeks } from '../db/schema.ts';
import { checkDayText } from '../sync/day-validation.ts';
import { enqueueSync } from '../sync/enqueue.ts';
import { storeDaysAsWeeks } from '../sync/seed.ts';
import { recordEvent } from '../sync/sync-state.ts';
import { weekOfDate } from '../moves/weeks.ts';
import { openArchive, type ArchiveItem } from './archive-reader.ts';

export class UnknownMemberError extends Error {
  override name = 'UnknownMemberError';
}

export interface SkippedEntry {
  /** File and item number, e.g. "moves_export/json/full/storyline.json, item 12". */
  where: string;
  reason: string;
}

export interface ArchiveImportReport {
  memberId: number;
  ohMemberId: string;
  /** Which file(s) of the archive the days came from. */
  source: string;
  days: number;
  weeks: number;
  firstDay: string | null;
  lastDay: string | null;
  /** Entries that were not valid days (or daily files that could not be read), skipped. */
  skipped: number;
  /** The first MAX_LISTED skipped entries with their reasons. */
  skippedEntries: SkippedEntry[];
  /** Weeks already stored from Moves or Open Humans: kept as they were, the archive's copy unused. */
  keptWeeks: string[];
  /** Archive days that fell in kept weeks. */
  keptDays: number;
  /** False when a sync was already waiting for this member (it will publish the import too). */
  syncQueued: boolean;
  /** Without a connected Moves account the sync job has nothing to run. */
  movesConnected: boolean;
}

const MAX_LISTED = 20;

export const OH_MEMBER_ID = /^\d{8}$/;

export async function importArchive(
  ctx: AppContext,
  p: { ohMemberId: string; file: string },
): Promise<ArchiveImportReport> {
  if (!OH_MEMBER_ID.test(p.ohMemberId))
    throw new UnknownMemberError(`"${p.ohMemberId}" is not an Open Humans project member id (8 digits)`);
  const memberId = await findMemberByOhId(ctx, p.ohMemberId);
  if (memberId === undefined)
    throw new UnknownMemberError(
      `no member with Open Humans project member id ${p.ohMemberId}: they must sign in to oh-moves first`,
    );
  const [account] = await ctx.db
    .select({ timeZone: movesAccounts.timeZone })
    .from(movesAccounts)
    .where(eq(movesAccounts.memberId, memberId));

  // Opening reads the zip directories: a file that is no archive at all fails here, before any write.
  const archive = await openArchive(p.file);
  const report: ArchiveImportReport = {
    memberId,
    ohMemberId: p.ohMemberId,
    source: archive.source,
    days: 0,
    weeks: 0,
    firstDay: null,
    lastDay: null,
    skipped: 0,
    skippedEntries: [],
    keptWeeks: [],
    keptDays: 0,
    syncQueued: false,
    movesConnected: account !== undefined,
  };
  const skip = (where: string, reason: string) => {
    report.skipped++;
    if (report.skippedEntries.length < MAX_LISTED) report.skippedEntries.push({ where, reason });
  };

  try {
    // One transaction: an archive that breaks part-way (damaged zip data, a cut-off storyline.json) stores nothing.
    await ctx.db.transaction(async (tx) => {
      const txCtx: AppContext = { ...ctx, db: tx as unknown as Db };
      const protectedWeeks = new Set(
        (
          await tx
            .select({ week: storedWeeks.week })
            .from(storedWeeks)
            .where(and(eq(storedWeeks.memberId, memberId), ne(storedWeeks.source, 'archive')))
        ).map((r) => r.week),
      );
      const kept = new Set<string>();

      async function* validDays(items: AsyncIterable<ArchiveItem>): AsyncGenerator<string> {
        for await (const item of items) {
          if (item.kind === 'skipped') {
            skip(item.origin, item.reason);
            continue;
          }
          const check = checkDayText(item.text);
          if (!check.ok) {
            skip(item.origin, check.reason);
            continue;
          }
          const week = weekOfDate(check.date);
          if (protectedWeeks.has(week)) {
            kept.add(week);
            report.keptDays++;
            continue;
          }
          if (!report.firstDay || check.date < report.firstDay) report.firstDay = check.date;
          if (!report.lastDay || check.date > report.lastDay) report.lastDay = check.date;
          yield item.text;
        }
      }

      const split = await storeDaysAsWeeks(txCtx, memberId, validDays(archive.items()), {
        source: 'archive',
        timeZone: account?.timeZone ?? 'UTC',
        now: ctx.clock.date(),
      });
      report.days = split.days;
      report.weeks = split.weeks;
      report.keptWeeks = [...kept].sort();
      await recordEvent(txCtx, memberId, 'archive_imported', describeImport(report), {
        source: report.source,
        days: report.days,
        weeks: report.weeks,
        skipped: report.skipped,
        skippedEntries: report.skippedEntries,
        keptWeeks: report.keptWeeks,
      });
    });
  } finally {
    await archive.close();
  }

  if (report.weeks > 0) report.syncQueued = await enqueueSync(ctx, memberId, 'import');
  return report;
}

function describeImport(r: ArchiveImportReport): string {
  const parts = [`Imported ${r.days} days (${r.weeks} weeks) from a Moves export`];
  if (r.keptWeeks.length) parts.push(`${r.keptWeeks.length} weeks already stored were kept`);
  if (r.skipped) parts.push(`${r.skipped} invalid entries skipped`);
  return parts.join('; ');
}

/** The report as the command line prints it. */
export function formatArchiveReport(r: ArchiveImportReport): string {
  const lines = [
    `Member ${r.ohMemberId}: imported ${r.days} day${r.days === 1 ? '' : 's'} in ${r.weeks} week${r.weeks === 1 ? '' : 's'}` +
      (r.firstDay ? ` (${r.firstDay} to ${r.lastDay})` : '') +
      ` from ${r.source}.`,
  ];
  if (r.keptWeeks.length)
    lines.push(
      `Kept ${r.keptWeeks.length} week${r.keptWeeks.length === 1 ? '' : 's'} already fetched from Moves ` +
        `(${r.keptDays} archive day${r.keptDays === 1 ? '' : 's'} not used): ${r.keptWeeks.join(', ')}`,
    );
  if (r.skipped) {
    lines.push(`Skipped ${r.skipped} invalid entr${r.skipped === 1 ? 'y' : 'ies'}:`);
    for (const s of r.skippedEntries) lines.push(`  ${s.where}: ${s.reason}`);
    if (r.skipped > r.skippedEntries.length)
      lines.push(`  … and ${r.skipped - r.skippedEntries.length} more`);
  }
  if (r.weeks === 0) lines.push('Nothing new was stored, so no sync was queued.');
  else if (!r.movesConnected)
    lines.push(
      'Sync queued, but this member has no connected Moves account: the data is published once they connect one.',
    );
  else
    lines.push(
      r.syncQueued
        ? 'Sync queued: the data will be published to Open Humans.'
        : 'A sync was already queued for this member: it will publish the imported data.',
    );
  return lines.join('\n');
}
