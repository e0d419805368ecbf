// The import records: owns `archive_imports`, the export archives members upload on the website (arriving,
// waiting for, running in or done by the member's job), and `refused_days`, the days imports refused with their
// reasons. The archive code (src/archive) reads and merges the archives; this service only keeps their records
// and the uploads' budget.
import { and, asc, desc, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
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

/** What an upload about to arrive may have, decided atomically: the slot, or why not. */
export type Reservation =
  | { ok: true; id: number }
  /** The member already has an upload arriving, waiting or being imported. */
  | { ok: false; why: 'member-busy' }
  /** The global budget (uploads arriving at once, or disk space) is used up. */
  | { ok: false; why: 'full' };

export interface UploadBudget {
  /** Disk space for every upload arriving or waiting for its import. */
  diskBytes: number;
  /** Uploads arriving at once. */
  concurrent: number;
}

/** Thrown inside the reservation's transaction to undo its insert. */
class BudgetFull extends Error {}

/** Serialises reservations (pg_advisory_xact_lock key: "oh-moves upload budget"). */
const BUDGET_LOCK = 0x6f68_6d75;

const UNFINISHED = ['receiving', 'pending', 'running'];

export interface ArchiveImports {
  /** The member's unfinished imports, oldest first. */
  allUnfinished(memberId: number): Promise<UploadRow[]>;
  /** The member's newest upload. */
  latest(memberId: number): Promise<UploadRow | undefined>;
  /**
   * Reserves an upload before its body is read: at most one unfinished per member (a unique index decides), and
   * within the global budget, counting `bytes` (its declared size, or the largest allowed) against the disk.
   */
  reserve(memberId: number, p: { path: string; bytes: number }, budget: UploadBudget): Promise<Reservation>;
  /** The reserved upload has arrived whole: it waits for the member's job. */
  received(id: number, p: { fileName: string; bytes: number }): Promise<void>;
  /** The reserved upload did not arrive (refused, cut off, stalled): the slot is free again. */
  release(id: number): Promise<void>;
  /** The reservations of uploads arriving, or left behind by a web process that stopped: ids and files. */
  receivingPaths(): Promise<{ id: number; path: string | null; createdAt: Date }[]>;
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

/** Uploads (their rows from reservation to the import's end) and the days imports refused. */
export function createArchiveImports(ctx: AppContext): ArchiveImports {
  return { ...uploadRows(ctx), ...refusedDayRows(ctx) };
}

type RefusedDayMethods = 'recordRefused' | 'clearRefused' | 'refusedDay' | 'refusedDays';

/** One upload slot, taken under the budget lock: see ArchiveImports.reserve. */
async function reserveSlot(
  ctx: AppContext,
  memberId: number,
  p: { path: string; bytes: number },
  budget: UploadBudget,
): Promise<Reservation> {
  try {
    return await ctx.transaction(async (tx) => {
      await tx.db.execute(sql`select pg_advisory_xact_lock(${BUDGET_LOCK})`);
      const [row] = await tx.db
        .insert(archiveImports)
        .values({
          memberId,
          status: 'receiving',
          fileName: 'upload',
          uploadPath: p.path,
          bytes: p.bytes,
          createdAt: ctx.clock.date(),
        })
        .onConflictDoNothing()
        .returning({ id: archiveImports.id });
      if (!row) return { ok: false, why: 'member-busy' } as const;
      const [use] = await tx.db
        .select({
          bytes: sql<string>`coalesce(sum(${archiveImports.bytes}), 0)`,
          arriving: sql<number>`count(*) filter (where ${archiveImports.status} = 'receiving')`,
        })
        .from(archiveImports)
        .where(and(isNotNull(archiveImports.uploadPath), inArray(archiveImports.status, UNFINISHED)));
      if (Number(use!.arriving) > budget.concurrent || Number(use!.bytes) > budget.diskBytes)
        throw new BudgetFull();
      return { ok: true, id: row.id } as const;
    });
  } catch (err) {
    if (err instanceof BudgetFull) return { ok: false, why: 'full' };
    throw err;
  }
}

function uploadRows(ctx: AppContext): Omit<ArchiveImports, RefusedDayMethods> {
  const unfinished = (memberId: number) =>
    ctx.db
      .select()
      .from(archiveImports)
      .where(
        and(eq(archiveImports.memberId, memberId), inArray(archiveImports.status, ['pending', 'running'])),
      )
      .orderBy(archiveImports.id);
  return {
    allUnfinished: (memberId) => unfinished(memberId),

    latest(memberId) {
      // Read by every dashboard page view.
      return ctx.memberViews.get(memberId, 'latestImport', async () => {
        const [row] = await ctx.db
          .select()
          .from(archiveImports)
          .where(and(eq(archiveImports.memberId, memberId), ne(archiveImports.status, 'receiving')))
          .orderBy(desc(archiveImports.id))
          .limit(1);
        return row;
      });
    },

    reserve: (memberId, p, budget) => reserveSlot(ctx, memberId, p, budget),

    async received(id, p) {
      const [row] = await ctx.db
        .update(archiveImports)
        .set({ status: 'pending', fileName: p.fileName, bytes: p.bytes })
        .where(and(eq(archiveImports.id, id), eq(archiveImports.status, 'receiving')))
        .returning({ memberId: archiveImports.memberId });
      // Only a slot judged abandoned (idle past twice the stall time) is ever taken away.
      if (!row) throw new Error(`upload ${id} lost its reservation while it arrived`);
      ctx.memberViews.changed(row.memberId);
    },

    async release(id) {
      await ctx.db
        .delete(archiveImports)
        .where(and(eq(archiveImports.id, id), eq(archiveImports.status, 'receiving')));
    },

    receivingPaths: () =>
      ctx.db
        .select({
          id: archiveImports.id,
          path: archiveImports.uploadPath,
          createdAt: archiveImports.createdAt,
        })
        .from(archiveImports)
        .where(eq(archiveImports.status, 'receiving')),

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
        .where(inArray(archiveImports.status, UNFINISHED));
      return new Set(rows.map((r) => r.path).filter((p): p is string => p !== null));
    },
  };
}

function refusedDayRows(ctx: AppContext): Pick<ArchiveImports, RefusedDayMethods> {
  return {
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
