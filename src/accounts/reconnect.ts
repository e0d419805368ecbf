// "Needs reconnecting" is stored in one place, the account rows: `members.oh_needs_reauth` when Open Humans
// refused our tokens, `moves_accounts.status = 'needs_reauth'` when Moves did (both written only by
// `ctx.accounts.markNeedsReconnect`, cleared by a new sign-in or Moves connection). The sync state says what
// the sync is doing; every reader that shows or acts on "needs reconnecting" derives it here.
import type { UpstreamService } from '../upstream/errors.ts';

/** The service the member must authorize again, Open Humans first (without it nothing can be published). */
export function reconnectNeeded(
  member: { ohNeedsReauth: boolean } | undefined,
  account: { status: string } | null | undefined,
): UpstreamService | null {
  if (member?.ohNeedsReauth) return 'openhumans';
  if (account?.status === 'needs_reauth') return 'moves';
  return null;
}
