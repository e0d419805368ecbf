// The legacy migration (`oh-moves import-users`): CSV lines of oh_project_member_id,oh_refresh_token,
// moves_refresh_token. Each line: refresh both tokens (storing each new pair at once, since the old refresh
// token dies with the refresh), check the Open Humans token belongs to that member, link the Moves account,
// queue a sync. Every line gets its own outcome; a bad line never stops the others.
import type { AppContext } from '../context.ts';
import { AuthRefusedError, UpstreamError } from '../upstream/errors.ts';
import { findMemberByOhId, upsertMemberFromLogin } from './members.ts';
import { connectMovesAccount } from './moves-accounts.ts';

export type ImportOutcome = 'imported' | 'updated' | 'failed' | 'skipped';

export interface ImportLineResult {
  /** 1-based line number in the input. */
  line: number;
  ohMemberId?: string;
  outcome: ImportOutcome;
  /** Plain words; never contains a token. */
  message: string;
  memberId?: number;
  movesUserId?: string;
}

export interface ImportSummary {
  results: ImportLineResult[];
  counts: Record<ImportOutcome, number>;
}

const MEMBER_ID = /^\d{8}(\d{8})?$/;

/** Splits the file into lines (CRLF or LF, BOM removed). A trailing newline does not make an extra line. */
export function splitLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export async function importUsers(
  ctx: AppContext,
  csvText: string,
  opts: { delimiter?: string } = {},
): Promise<ImportSummary> {
  const delimiter = opts.delimiter ?? ',';
  if (delimiter.length !== 1) throw new RangeError('the delimiter must be a single character');
  const seen = new Map<string, number>();
  const results: ImportLineResult[] = [];
  for (const [i, raw] of splitLines(csvText).entries()) {
    const line = i + 1;
    let result: ImportLineResult;
    try {
      result = await importLine(ctx, raw, line, delimiter, seen);
    } catch (err) {
      result = { line, outcome: 'failed', message: describe(err) };
    }
    results.push(result);
  }
  const counts: Record<ImportOutcome, number> = { imported: 0, updated: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.outcome]++;
  return { results, counts };
}

async function importLine(
  ctx: AppContext,
  raw: string,
  line: number,
  delimiter: string,
  seen: Map<string, number>,
): Promise<ImportLineResult> {
  const parsed = parseLine(raw, line, delimiter, seen);
  if ('outcome' in parsed) return parsed;
  const { ohMemberId, ohRefresh, movesRefresh } = parsed;
  const base = { line, ohMemberId };

  // Open Humans first: the new pair must be stored before anything else can fail, or the member loses access.
  let ohTokens;
  try {
    ohTokens = await ctx.openHumans.refresh(ohRefresh);
  } catch (err) {
    return { ...base, outcome: 'failed', message: `Open Humans token: ${describe(err)}` };
  }
  let member;
  try {
    member = await ctx.openHumans.exchangeMember(ohTokens.accessToken);
  } catch (err) {
    return { ...base, outcome: 'failed', message: `Open Humans member data: ${describe(err)}` };
  }
  if (member.projectMemberId !== ohMemberId) {
    return {
      ...base,
      outcome: 'failed',
      message: `the Open Humans token belongs to member ${member.projectMemberId}, not to this line's member`,
    };
  }
  const existed = (await findMemberByOhId(ctx, ohMemberId)) !== undefined;
  const { memberId } = await upsertMemberFromLogin(ctx, { member, tokens: ohTokens }, { isLogin: false });
  // Only a line that stored something makes later lines for the member duplicates (a corrected line may follow).
  seen.set(ohMemberId, line);

  let movesTokens;
  try {
    movesTokens = await ctx.moves.refresh(movesRefresh);
  } catch (err) {
    return {
      ...base,
      memberId,
      outcome: 'failed',
      message: `Open Humans member saved, but the Moves token failed: ${describe(err)}`,
    };
  }
  const linked = await connectMovesAccount(ctx, memberId, movesTokens);
  if (!linked.ok) {
    return {
      ...base,
      memberId,
      movesUserId: movesTokens.userId,
      outcome: 'failed',
      message: `Moves account ${movesTokens.userId} is already linked to another member`,
    };
  }
  const queued = await ctx.queue.enqueueSync(memberId, 'import');
  return {
    ...base,
    memberId,
    movesUserId: movesTokens.userId,
    outcome: existed ? 'updated' : 'imported',
    message: `${existed ? 'updated' : 'imported'} with Moves account ${movesTokens.userId}; ${
      queued ? 'sync queued' : 'a sync was already queued'
    }`,
  };
}

/** A line's three columns, or why the line is skipped or failed before anything is asked upstream. */
function parseLine(
  raw: string,
  line: number,
  delimiter: string,
  seen: Map<string, number>,
): ImportLineResult | { ohMemberId: string; ohRefresh: string; movesRefresh: string } {
  if (raw.trim() === '') return { line, outcome: 'skipped', message: 'empty line' };
  const cols = raw.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (line === 1 && cols[0] === 'oh_project_member_id')
    return { line, outcome: 'skipped', message: 'header line' };
  if (cols.length !== 3) {
    return {
      line,
      outcome: 'failed',
      message: `expected 3 columns (oh_project_member_id, oh_refresh_token, moves_refresh_token), found ${cols.length}`,
    };
  }
  const [ohMemberId, ohRefresh, movesRefresh] = cols as [string, string, string];
  if (!MEMBER_ID.test(ohMemberId)) {
    return { line, outcome: 'failed', message: 'the Open Humans project member id must be 8 digits' };
  }
  const base = { line, ohMemberId };
  const earlier = seen.get(ohMemberId);
  if (earlier !== undefined) {
    return { ...base, outcome: 'skipped', message: `duplicate of line ${earlier}: member already imported` };
  }
  if (!ohRefresh || !movesRefresh) return { ...base, outcome: 'failed', message: 'a refresh token is empty' };
  return { ohMemberId, ohRefresh, movesRefresh };
}

function describe(err: unknown): string {
  if (err instanceof AuthRefusedError) return `refused (${err.message})`;
  if (err instanceof UpstreamError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** One line per input line, then a summary: what the CLI prints. */
export function formatImportReport(summary: ImportSummary): string {
  const lines = summary.results.map(
    (r) => `line ${r.line}${r.ohMemberId ? ` (member ${r.ohMemberId})` : ''}: ${r.outcome}: ${r.message}`,
  );
  const c = summary.counts;
  lines.push(
    `${summary.results.length} lines: ${c.imported} imported, ${c.updated} updated, ${c.failed} failed, ${c.skipped} skipped`,
  );
  return lines.join('\n');
}
