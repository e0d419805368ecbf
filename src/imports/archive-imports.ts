// The import records: owns `archive_imports`, the export archives members uploaded on the website (waiting for,
// running in or done by the member's job), and `refused_days`, the days imports refused with their reasons. The
// archive code (src/archive) reads and merges the archives; this service only keeps their records.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { archiveImports, refusedDays } from '../db/schema.ts';

export type UploadRow = typeof archiveImports.$inferSelect;
export type UploadPatch = Partial<Omit<typeof archiveImports.$inferInsert, 'id' | 'memberId'>>;
export type RefusedDayRow = Pick<
  typeof refusedDays.$inferSelect,
  'date' | 'reason' | 'fileName' | 'refusedAt'
>;

/** Rows per statement when many days are written or cleared at once. */
const BATCH = 500;

export interface ArchiveImports {
  /** The member's import that has not finished yet, if any (one at a time per member). */
  unfinished(memberId: number): Promise<UploadRow | undefined>;
  /** The member's unfinished imports, oldest first. */
  allUnfinished(memberId: number): Promise<UploadRow[]>;
  /** The member's newest upload. */
  latest(memberId: number): Promise<UploadRow | undefined>;
  /** Records a stored upload; its id. */
  record(memberId: number, p: { fileName: string; path: string; bytes: number }): Promise<number>;
  update(id: number, patch: UploadPatch): Promise<void>;
  /** The upload files some unfinished import still needs (every member). */
  pathsInUse(): Promise<Set<string>>;
  /** Keeps the days an import of `fileName` refused (a date refused again gets the newer reason). */
  recordRefused(memberId: number, fileName: string, days: { date: string; reason: string }[]): Promise<void>;
  /** Forgets refusals of days that are now stored; every refusal of the member without `dates`. */
  clearRefused(memberId: number, dates?: string[]): Promise<void>;
  /** Why an import refused the day (yyyyMMdd), if one did. */
  refusedDay(memberId: number, date: string): Promise<RefusedDayRow | undefined>;
  /** Every refused day of the member, by date. */
  refusedDays(memberId: number): Promise<RefusedDayRow[]>;
}

const refusedColumns = {
  date: refusedDays.date,
  reason: refusedDays.reason,
  fileName: refusedDays.fileName,
  refusedAt: refusedDays.refusedAt,
};

export function createArchiveImports(ctx: AppContext): ArchiveImports {
  const unfinished = (memberId: number) =>
    ctx.db
      .select()
      .from(archiveImports)
      .where(
        and(eq(archiveImports.memberId, memberId), inArray(archiveImports.status, ['pending', 'running'])),
      )
      .orderBy(archiveImports.id);
  return {
    async unfinished(memberId) {
      const [row] = await unfinished(memberId).limit(1);
      return row;
    },

    allUnfinished: (memberId) => unfinished(memberId),

    latest(memberId) {
      // Read by every dashboard page view.
      return ctx.memberViews.get(memberId, 'latestImport', async () => {
        const [row] = await ctx.db
          .select()
          .from(archiveImports)
          .where(eq(archiveImports.memberId, memberId))
          .orderBy(desc(archiveImports.id))
          .limit(1);
        return row;
      });
    },

    async record(memberId, p) {
      const [row] = await ctx.db
        .insert(archiveImports)
        .values({
          memberId,
          fileName: p.fileName,
          uploadPath: p.path,
          bytes: p.bytes,
          createdAt: ctx.clock.date(),
        })
        .returning({ id: archiveImports.id });
      ctx.memberViews.changed(memberId);
      return row!.id;
    },

    async update(id, patch) {
      const rows = await ctx.db
        .update(archiveImports)
        .set(patch)
        .where(eq(archiveImports.id, id))
        .returning({ memberId: archiveImports.memberId });
      for (const r of rows) ctx.memberViews.changed(r.memberId);
    },

    async pathsInUse() {
      const rows = await ctx.db
        .select({ path: archiveImports.uploadPath })
        .from(archiveImports)
        .where(inArray(archiveImports.status, ['pending', 'running']));
      return new Set(rows.map((r) => r.path).filter((p): p is string => p !== null));
    },

    async recordRefused(memberId, fileName, days) {
      const now = ctx.clock.date();
      // The newest reason per date (an export may hold a date twice).
      const byDate = new Map(days.map((d) => [d.date, d.reason]));
      const rows = [...byDate].map(([date, reason]) => ({
        memberId,
        date,
        reason,
        fileName,
        refusedAt: now,
      }));
      for (let i = 0; i < rows.length; i += BATCH)
        await ctx.db
          .insert(refusedDays)
          .values(rows.slice(i, i + BATCH))
          .onConflictDoUpdate({
            target: [refusedDays.memberId, refusedDays.date],
            set: {
              reason: sql`excluded.reason`,
              fileName: sql`excluded.file_name`,
              refusedAt: sql`excluded.refused_at`,
            },
          });
    },

    async clearRefused(memberId, dates) {
      if (!dates) {
        await ctx.db.delete(refusedDays).where(eq(refusedDays.memberId, memberId));
        return;
      }
      for (let i = 0; i < dates.length; i += BATCH)
        await ctx.db
          .delete(refusedDays)
          .where(
            and(eq(refusedDays.memberId, memberId), inArray(refusedDays.date, dates.slice(i, i + BATCH))),
          );
    },

    async refusedDay(memberId, date) {
      const [row] = await ctx.db
        .select(refusedColumns)
        .from(refusedDays)
        .where(and(eq(refusedDays.memberId, memberId), eq(refusedDays.date, date)));
      return row;
    },

    refusedDays: (memberId) =>
      ctx.db
        .select(refusedColumns)
        .from(refusedDays)
        .where(eq(refusedDays.memberId, memberId))
        .orderBy(asc(refusedDays.date)),
  };
}
