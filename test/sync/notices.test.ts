// Notices that reach the member: a sync that ends in needs-reconnect, or fails three runs in a row, sends one
// Open Humans message (project message API, emulated) with a link back; once per incident; recorded as events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import { FAILURES_BEFORE_NOTICE, noticeText } from '../../src/sync/notices.ts';
import type { TestContext } from '../support/context.ts';
import {
  addMember,
  APP_BASE,
  createSyncContext,
  daysAgo,
  eventsOf,
  startUpstreams,
  type Upstreams,
} from './harness.ts';

interface OhMessage {
  projectMemberIds: string[];
  subject: string;
  message: string;
}

let up: Upstreams;
let ctx: TestContext;

beforeAll(async () => {
  up = await startUpstreams({ timeScale: 60 });
  ctx = await createSyncContext(up, 'pglite', { MOVES_TIME_SCALE: '60' });
});
afterAll(async () => {
  await ctx?.close();
  await up?.close();
});

async function messagesTo(ohMemberId: string): Promise<OhMessage[]> {
  const all: OhMessage[] = await up.oh.control.messages();
  return all.filter((m) => m.projectMemberIds.includes(ohMemberId));
}

describe('notices to the member', () => {
  it('words both notices with a link back to the dashboard', () => {
    const reconnect = noticeText('needs_reconnect', 'https://moves.example.org');
    expect(reconnect.subject).toBe('Moves for Open Humans: please reconnect Moves');
    expect(reconnect.message).toContain('https://moves.example.org/dashboard');
    const failing = noticeText('failing', 'https://moves.example.org', 'Moves did not answer (503).');
    expect(failing.message).toMatch(
      /^The last 3 attempts to update your Moves data failed \(Moves did not answer \(503\)\)\./,
    );
    expect(failing.message).toContain('https://moves.example.org/dashboard');
  });

  it('tells a member once when Moves refuses our access, and records it', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(10), timeZone: 'Europe/Berlin', seed: 21 });
    await up.moves.control.revoke(m.movesUserId);
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' })).outcome).toBe('needs_reauth');
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'scheduler' })).outcome).toBe(
      'needs_reauth',
    );
    const sent = await messagesTo(m.ohMemberId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('Moves for Open Humans: please reconnect Moves');
    expect(sent[0]!.message).toContain(`${APP_BASE}/dashboard`);
    const notices = await eventsOf(ctx, m.memberId, 'notice');
    expect(notices.map((e) => e.message)).toEqual([
      'We sent you a message on Open Humans: Moves needs to be reconnected',
    ]);
  });

  it('tells a member once after three failed runs in a row, and again only after a success', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(10), timeZone: 'UTC', seed: 22 });
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' })).outcome).toBe('completed');
    up.moves.configure({ faults: [{ kind: 'status', status: 503, pathPrefix: '/api/1.1/user/' }] });
    const failRuns = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'requeue', failedRuns: i });
        expect(r.outcome).toBe('retry_later');
      }
    };
    try {
      await failRuns(FAILURES_BEFORE_NOTICE - 1);
      expect(await messagesTo(m.ohMemberId)).toHaveLength(0);
      await failRuns(2); // the third failure sends it; the fourth does not repeat it
      let sent = await messagesTo(m.ohMemberId);
      expect(sent.map((s) => s.subject)).toEqual(['Moves for Open Humans: updates are failing']);
      expect(sent[0]!.message).toContain(`${APP_BASE}/dashboard`);

      // A success ends the incident; three new failures are a new one.
      up.moves.configure({ faults: [] });
      expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' })).outcome).toBe('completed');
      up.moves.configure({ faults: [{ kind: 'status', status: 503, pathPrefix: '/api/1.1/user/' }] });
      await failRuns(FAILURES_BEFORE_NOTICE);
      sent = await messagesTo(m.ohMemberId);
      expect(sent).toHaveLength(2);
    } finally {
      up.moves.configure({ faults: [] });
    }
    expect(await eventsOf(ctx, m.memberId, 'notice')).toHaveLength(2);
  }, 60_000);

  it('records a notice that cannot be sent because Open Humans refuses our access', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(10), timeZone: 'UTC', seed: 23 });
    await up.oh.control.leave(m.ohMemberId, { erasure_requested: false });
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' })).outcome).toBe('needs_reauth');
    expect(await messagesTo(m.ohMemberId)).toHaveLength(0);
    const failed = await eventsOf(ctx, m.memberId, 'notice_failed');
    expect(failed.map((e) => e.message)).toEqual([
      'Could not message you on Open Humans (Open Humans no longer accepts our access)',
    ]);
  });
});
