// Messages that reach the member when a sync needs them: Moves refused our access (the member must reconnect),
// or updates failed three times in a row. Sent through the Open Humans project message API (Open Humans emails
// the member) with a link back to the dashboard; once per incident. An incident ends with the next successful
// update or a new Moves connection (ctx.syncState.incident). Each notice, sent or not, is an event: the member
// sees it under "Recent activity" and the operator on /admin.
import type { AppContext } from '../context.ts';
import { AuthRefusedError, UpstreamError } from '../upstream/errors.ts';

/** Failed runs in a row (since the last success) after which the member is told. */
export const FAILURES_BEFORE_NOTICE = 3;

export type NoticeReason = 'needs_reconnect' | 'failing';

/** Event details of a run that failed (counted for the "failing" notice). */
export const FAILED_RUN = { run: true } as const;

export interface Notice {
  subject: string;
  message: string;
}

/** The message text; pure. */
export function noticeText(reason: NoticeReason, appBaseUrl: string, lastError?: string | null): Notice {
  const link = `${appBaseUrl}/dashboard`;
  if (reason === 'needs_reconnect')
    return {
      subject: 'Moves for Open Humans: please reconnect Moves',
      message:
        'Moves no longer accepts our access to your Moves account (the app was disconnected in Moves, or the ' +
        'authorization expired), so your Moves data on Open Humans is not updated any more. Everything ' +
        `imported so far is kept.\n\nTo continue, open your dashboard and choose "Reconnect Moves":\n${link}`,
    };
  return {
    subject: 'Moves for Open Humans: updates are failing',
    message:
      `The last ${FAILURES_BEFORE_NOTICE} attempts to update your Moves data failed` +
      `${lastError ? ` (${lastError.replace(/[.\s]+$/, '')})` : ''}. We keep trying automatically and ` +
      `everything imported so far is kept.\n\nYour dashboard shows what happened and has an "Update now" ` +
      `button:\n${link}`,
  };
}

const WHAT: Record<NoticeReason, string> = {
  needs_reconnect: 'Moves needs to be reconnected',
  failing: `updates failed ${FAILURES_BEFORE_NOTICE} times in a row`,
};

/**
 * Tells the member about `reason` if this incident calls for it and they were not told yet. Never throws: a
 * notice that cannot be sent is recorded, and the sync's own outcome stands.
 */
export async function noticeIfDue(
  ctx: AppContext,
  memberId: number,
  reason: NoticeReason,
  lastError?: string | null,
): Promise<'sent' | 'not_due' | 'failed'> {
  try {
    const now = await ctx.syncState.incident(memberId, reason);
    if (now.noticed) return 'not_due';
    if (reason === 'failing' && now.failedRuns < FAILURES_BEFORE_NOTICE) return 'not_due';
    const { subject, message } = noticeText(reason, ctx.config.appBaseUrl, lastError);
    try {
      await ctx.openHumans.message(await ctx.accounts.ohAccessToken(memberId), subject, message);
    } catch (err) {
      const why =
        err instanceof AuthRefusedError
          ? 'Open Humans no longer accepts our access'
          : err instanceof UpstreamError
            ? err.message.replace(/[.\s]+$/, '')
            : 'an unexpected error';
      if (!(err instanceof UpstreamError)) ctx.logger.warn({ err, memberId }, 'notice not sent');
      await ctx.syncState.recordEvent(
        memberId,
        'notice_failed',
        `Could not message you on Open Humans (${why})`,
        { reason },
      );
      return 'failed';
    }
    await ctx.syncState.recordEvent(
      memberId,
      'notice',
      `We sent you a message on Open Humans: ${WHAT[reason]}`,
      {
        reason,
      },
    );
    return 'sent';
  } catch (err) {
    ctx.logger.warn({ err, memberId }, 'notice check failed');
    return 'failed';
  }
}
