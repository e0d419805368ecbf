// Migration 0006 moves "needs reconnecting" out of sync_state.status: the account rows keep it, and the
// sync state becomes what the dashboard showed (queued when the member has authorized again, else idle).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { createTestDatabase, storeKinds, type TestDatabase } from '../support/database.ts';

const MIGRATION = fs.readFileSync(path.join(MIGRATIONS_FOLDER, '0006_reconnect_on_accounts.sql'), 'utf8');

describe.each(storeKinds())('migration 0006 on %s', (kind) => {
  let database: TestDatabase | undefined;
  afterAll(async () => database?.close());

  it('turns needs_reauth sync states into idle, or queued once the member has authorized again', async () => {
    database = await createTestDatabase(kind);
    const q = database.sql.query.bind(database.sql);
    // id, Open Humans refused, Moves account status (null: none), sync status before the migration
    const cases: [number, boolean, string | null, string][] = [
      [1, false, 'connected', 'needs_reauth'],
      [2, false, 'needs_reauth', 'needs_reauth'],
      [3, true, 'connected', 'needs_reauth'],
      [4, false, null, 'needs_reauth'],
      [5, true, 'connected', 'running'],
    ];
    for (const [id, ohRefused, moves, status] of cases) {
      await q(
        `insert into members (id, oh_member_id, oh_access_token, oh_refresh_token, oh_token_expires_at, oh_needs_reauth)
         values ($1, $2, 'enc', 'enc', now(), $3)`,
        [id, `m${id}`, ohRefused],
      );
      if (moves)
        await q(
          `insert into moves_accounts (member_id, moves_user_id, access_token, refresh_token, token_expires_at,
             token_issued_at, status) values ($1, $2, 'enc', 'enc', now(), now(), $3)`,
          [id, `u${id}`, moves],
        );
      await q(`insert into sync_state (member_id, status) values ($1, $2)`, [id, status]);
    }
    await q(MIGRATION);
    const { rows } = await q<{ member_id: string; status: string }>(
      'select member_id, status from sync_state order by member_id',
    );
    expect(rows.map((r) => [Number(r.member_id), r.status])).toEqual([
      [1, 'queued'],
      [2, 'idle'],
      [3, 'idle'],
      [4, 'idle'],
      [5, 'running'],
    ]);
    // The account rows, where "needs reconnecting" lives, are untouched.
    const accounts = await q<{ status: string }>('select status from moves_accounts order by member_id');
    expect(accounts.rows.map((r) => r.status)).toEqual([
      'connected',
      'needs_reauth',
      'connected',
      'connected',
    ]);
  });
});
