// Waits until members' syncs are done, from the sync_state rows the engine keeps, and says when each finished.
import type { AppContext } from '../../src/context.ts';

export interface Completion {
  /** Member id → real-clock ms when its sync finished (lastSuccessAt, corrected for the app clock offset). */
  finishedAt: Map<number, number>;
  /** Members that ended in a state the benchmark cannot wait out (needs_reauth), or were still pending. */
  stuck: { memberId: number; status: string; lastError: string | null }[];
  timedOut: boolean;
}

interface Row {
  member_id: string | number;
  status: string;
  last_success_at: Date | string | null;
  last_error: string | null;
}

/**
 * Polls sync_state until every member is up_to_date with a lastSuccessAt at or after `since` (app clock ms),
 * or the timeout passes. `appClockOffsetMs` converts the app clock back to real time.
 */
export async function waitForSyncs(
  ctx: AppContext,
  memberIds: number[],
  opts: {
    since: number;
    timeoutMs: number;
    appClockOffsetMs?: number;
    pollMs?: number;
    onProgress?: (done: number) => void;
  },
): Promise<Completion> {
  const offset = opts.appClockOffsetMs ?? 0;
  const wanted = new Set(memberIds);
  const finishedAt = new Map<number, number>();
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? (memberIds.length > 1000 ? 500 : 100);
  let last: Row[];
  let lastReported = -1;
  for (;;) {
    const { rows } = await ctx.database.sql.query<Row>(
      // "Needs reconnecting" lives on the account rows (src/accounts/reconnect.ts), not in sync_state.status.
      `select s.member_id, last_success_at, last_error,
         case when m.oh_needs_reauth or a.status = 'needs_reauth' then 'needs_reauth' else s.status end as status
       from sync_state s join members m on m.id = s.member_id
       left join moves_accounts a on a.member_id = s.member_id`,
    );
    last = rows;
    for (const r of rows) {
      const id = Number(r.member_id);
      if (!wanted.has(id) || finishedAt.has(id) || r.status !== 'up_to_date' || !r.last_success_at) continue;
      const at = new Date(r.last_success_at).getTime();
      if (at >= opts.since) finishedAt.set(id, at - offset);
    }
    const terminal = rows.filter((r) => wanted.has(Number(r.member_id)) && r.status === 'needs_reauth');
    if (opts.onProgress && finishedAt.size !== lastReported) {
      lastReported = finishedAt.size;
      opts.onProgress(finishedAt.size);
    }
    const timedOut = Date.now() > deadline;
    if (finishedAt.size + terminal.length >= wanted.size || timedOut) {
      const byId = new Map(last.map((r) => [Number(r.member_id), r]));
      const stuck = memberIds
        .filter((id) => !finishedAt.has(id))
        .map((id) => ({
          memberId: id,
          status: byId.get(id)?.status ?? 'no sync_state row',
          lastError: byId.get(id)?.last_error ?? null,
        }));
      return { finishedAt, stuck, timedOut: timedOut && stuck.length > 0 };
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Counts a table's rows through the raw SQL executor (works on PGlite and PostgreSQL alike). */
export async function countRows(ctx: AppContext, table: string, where = 'true'): Promise<number> {
  const { rows } = await ctx.database.sql.query<{ n: number }>(
    `select count(*)::int as n from ${table} where ${where}`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Sum of sizes of the current published files: everybody's, or one member's. */
export async function currentFileBytes(ctx: AppContext, memberId?: number): Promise<number> {
  const { rows } = await ctx.database.sql.query<{ n: string | number | null }>(
    `select coalesce(sum(size), 0)::bigint as n from published_files
     where status = 'current' and ($1::bigint is null or member_id = $1)`,
    [memberId ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}
