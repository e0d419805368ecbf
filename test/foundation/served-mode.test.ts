// Served mode as docs/operating.md walks through it: `oh-moves emulators` writes .env.served, then `migrate`,
// two `web` and two `worker` processes on one PostgreSQL database. A member signs in and connects Moves through
// the two web processes; the workers sync them, and no job runs twice.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/sandbox.ts';
import { killAllStarted, runProcess, signalGroup } from '../support/processes.ts';
import { until } from '../support/wait.ts';
import { movesControlClient } from '../../emulators/moves/client.ts';
import { openHumansControlClient } from '../../emulators/openhumans/client.ts';

const adminUrl = process.env.TEST_DATABASE_URL;
const dbName = `ohm_served_${crypto.randomBytes(4).toString('hex')}`;

afterAll(async () => {
  killAllStarted();
  if (!adminUrl) return;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await admin.end();
});

const oh = (args: string[], env: Record<string, string>) => runProcess('npx', ['oh-moves', ...args], { env });

/** Carries cookies between requests, like a browser (no redirects followed). */
function browser() {
  const jar = new Map<string, string>();
  return async (url: string) => {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };
}

const jsonLines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(!adminUrl)('served mode on PostgreSQL', () => {
  it(
    'two web and two worker processes sync a member with no duplicate job',
    { timeout: 300_000 },
    async () => {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${dbName}`);
      await admin.end();
      const u = new URL(adminUrl!);
      u.pathname = `/${dbName}`;
      const databaseUrl = u.toString();

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-served-'));
      const envFile = path.join(dir, '.env.served');
      const [webPort1, webPort2] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
      const emulators = oh(
        [
          'emulators',
          '--app-url',
          `http://127.0.0.1:${webPort1}`,
          '--database-url',
          databaseUrl,
          '--moves-port',
          '0',
          '--openhumans-port',
          '0',
          '--out',
          envFile,
        ],
        { DATA_DIR: path.join(dir, 'data') },
      );
      await emulators.waitFor(/Ctrl-C stops the emulators/);
      const env = parseEnv(fs.readFileSync(envFile, 'utf8')) as Record<string, string>;
      for (const name of ['DATABASE_URL', 'SECRET_KEY', 'APP_BASE_URL', 'OH_CLIENT_ID', 'MOVES_CLIENT_ID'])
        expect(env[name], name).toBeTruthy();
      const served = { ...env, LOG_LEVEL: 'info', DATA_DIR: path.join(dir, 'unused') };

      const migrate = oh(['migrate'], served);
      expect(await migrate.exited, migrate.output()).toBe(0);

      const webs = [webPort1, webPort2].map((port) => oh(['web'], { ...served, PORT: String(port) }));
      const workers = [1, 2].map(() => oh(['worker'], { ...served, WORKER_CONCURRENCY: '2' }));
      // Each web process names its own address, not APP_BASE_URL.
      await webs[0]!.waitFor(new RegExp(`web is listening at http://127\\.0\\.0\\.1:${webPort1}`));
      await webs[1]!.waitFor(new RegExp(`web is listening at http://127\\.0\\.0\\.1:${webPort2}`));
      for (const w of workers) await w.waitFor(/worker is running/);
      const [web1, web2] = [`http://127.0.0.1:${webPort1}`, `http://127.0.0.1:${webPort2}`];

      // Sign in with Open Humans: start on web 1, come back on web 2 (one SECRET_KEY, one database).
      const get = browser();
      const login = new URL((await get(`${web1}/login`)).headers.get('location')!);
      const ohControl = openHumansControlClient(env.OH_BASE_URL!);
      const member = await ohControl.createMember();
      const { code: ohCode } = await ohControl.authorize(member.project_member_id, {
        client_id: env.OH_CLIENT_ID!,
        state: login.searchParams.get('state')!,
        code_challenge: login.searchParams.get('code_challenge')!,
        code_challenge_method: 'S256',
      });
      const signedIn = await get(`${web2}/complete?code=${ohCode}&state=${login.searchParams.get('state')}`);
      expect(signedIn.status).toBe(303);

      // Connect Moves: a user with four weeks of history approves in the "phone app".
      const connect = new URL((await get(`${web2}/connect/moves`)).headers.get('location')!);
      const firstDate = new Date(Date.now() - 28 * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      const movesControl = movesControlClient(env.MOVES_API_BASE!);
      const user = await movesControl.createUser({ firstDate, timeZone: 'Europe/Helsinki', seed: 7 });
      const { code: movesCode } = await movesControl.authorize(user.userId, {
        client_id: env.MOVES_CLIENT_ID!,
        scope: 'activity location',
        redirect_uri: env.MOVES_REDIRECT_URI!,
        state: connect.searchParams.get('state')!,
      });
      const connected = await get(
        `${web1}/moves_complete?code=${movesCode}&state=${connect.searchParams.get('state')}`,
      );
      expect(connected.status).toBe(303);

      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        await until(
          async () => {
            const { rows } = await db.query<{ n: number }>(
              `select count(*)::int as n from sync_state where last_success_at is not null`,
            );
            return rows[0]!.n === 1;
          },
          'a member synced by the served processes',
          { timeoutMs: 180_000, intervalMs: 200 },
        );
      } finally {
        await db.end();
      }

      const update = oh(['update-data'], served);
      expect(await update.exited, update.output()).toBe(0);
      expect(update.output()).toContain('No member needed an update.');

      // Every sync job started exactly once across the two workers, and each one finished.
      const events = workers.flatMap((w, i) =>
        jsonLines(w.output())
          .filter((l) => l.queue === 'sync-member')
          .map((l) => ({ worker: i, jobId: String(l.jobId), msg: String(l.msg), outcome: l.outcome })),
      );
      const startedJobs = events.filter((e) => e.msg.startsWith('job started'));
      const finished = events.filter((e) => e.msg.startsWith('job finished'));
      expect(startedJobs.length).toBeGreaterThan(0);
      expect(new Set(startedJobs.map((e) => e.jobId)).size).toBe(startedJobs.length);
      expect(finished.map((e) => e.jobId).sort()).toEqual(startedJobs.map((e) => e.jobId).sort());
      expect(finished.some((e) => e.outcome === 'completed')).toBe(true);

      for (const p of [...webs, ...workers]) signalGroup(p, 'SIGTERM');
      for (const p of [...webs, ...workers]) await p.waitFor(/stopped cleanly/, 60_000);
      signalGroup(emulators, 'SIGINT');
      await emulators.exited;
    },
  );
});
