// Small Moves exports built in the test: storyline days, Jackson-style pretty-printing, zips written with yazl.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import type { AppContext } from '../../src/context.ts';
import { upsertMemberFromLogin } from '../../src/accounts/members.ts';
import { movesAccounts } from '../../src/db/schema.ts';

/** A storyline day as the export holds it: a place, a move with track points, an empty trackPoints on the place. */
export function storylineDay(date: string, placeId = 1000 + Number(date.slice(6))): Record<string, unknown> {
  const t = (hhmmss: string) => `${date}T${hhmmss}+0100`;
  return {
    date,
    summary: [{ activity: 'walking', group: 'walking', duration: 1200.0, distance: 1500.0, steps: 2000 }],
    segments: [
      {
        type: 'place',
        startTime: t('000000'),
        endTime: t('080000'),
        place: { id: placeId, type: 'home', location: { lat: 52.52, lon: 13.405 } },
        activities: [],
        lastUpdate: t('090000'),
      },
      {
        type: 'move',
        startTime: t('080000'),
        endTime: t('082000'),
        activities: [
          {
            activity: 'walking',
            group: 'walking',
            manual: false,
            startTime: t('080000'),
            endTime: t('082000'),
            duration: 1200.0,
            distance: 1500.0,
            steps: 2000,
            trackPoints: [
              { lat: 52.52, lon: 13.405, time: t('080000') },
              { lat: 52.53, lon: 13.41, time: t('082000') },
            ],
          },
        ],
        lastUpdate: t('090000'),
      },
    ],
    caloriesIdle: 1700,
    lastUpdate: t('090000'),
  };
}

/** Pretty-printed the way the export's Jackson writer did it: 2-space indent, `"key" : value`, `[ ]`, `[ {`. */
export function jackson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/^(\s*"[^"]*"): /gm, '$1 : ')
    .replace(/\[\]/g, '[ ]')
    .replace(/\[\n\s*\{/g, '[ {');
}

/** Consecutive yyyyMMdd dates starting at `first`. */
export function dates(first: string, count: number): string[] {
  const start = Date.UTC(Number(first.slice(0, 4)), Number(first.slice(4, 6)) - 1, Number(first.slice(6)));
  return Array.from({ length: count }, (_, i) =>
    new Date(start + i * 86_400_000).toISOString().slice(0, 10).replace(/-/g, ''),
  );
}

/** The daily files of a JSON tree: one-element arrays named storyline_YYYYMMDD.json. */
export function dailyFiles(prefix: string, ds: string[]): Record<string, string> {
  return Object.fromEntries(
    ds.map((d) => [`${prefix}json/daily/storyline/storyline_${d}.json`, jackson([storylineDay(d)])]),
  );
}

export function zipBuffer(
  files: Record<string, string | Buffer>,
  opts: { mode?: Record<string, number> } = {},
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files))
    zip.addBuffer(
      typeof content === 'string' ? Buffer.from(content) : content,
      name,
      opts.mode?.[name] ? { mode: opts.mode[name] } : {},
    );
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-archtest-'));
}

export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

let nextMember = 0;

/** A member row as a sign-in creates it; returns the database id and the 8-digit project member id. */
export async function createMember(
  ctx: AppContext,
  opts: { movesTimeZone?: string } = {},
): Promise<{ memberId: number; ohMemberId: string }> {
  const ohMemberId = String(20_000_000 + ++nextMember);
  const { memberId } = await upsertMemberFromLogin(ctx, {
    member: { projectMemberId: ohMemberId, created: new Date().toISOString(), files: [] },
    tokens: {
      accessToken: `oh-access-${ohMemberId}`,
      refreshToken: `oh-refresh-${ohMemberId}`,
      expiresAt: new Date(Date.now() + 3_600_000),
      scope: 'read write',
    },
  });
  if (opts.movesTimeZone) {
    await ctx.db.insert(movesAccounts).values({
      memberId,
      movesUserId: `7${ohMemberId}0000000000001`,
      accessToken: ctx.cipher.encrypt('moves-access'),
      refreshToken: ctx.cipher.encrypt('moves-refresh'),
      tokenExpiresAt: new Date(Date.now() + 3_600_000),
      tokenIssuedAt: new Date(),
      timeZone: opts.movesTimeZone,
    });
  }
  return { memberId, ohMemberId };
}
