// The original 2018 Open Humans Moves app, replayed against the same emulators so that every scenario can print
// oh-moves ÷ original from one run. Its algorithm, as ../shared/reference/original-system.md §1.6–1.8 records it:
// - one Celery worker (`--concurrency 1`): one task at a time, in the order queued;
// - `process_moves`: exchange-member, download the whole previous file, take the last stored day (or the profile's
//   firstDate when there is none), drop that ISO week, then GET every week up to the week of "now + 7 days",
//   unpadded (`2016-W1`), `access_token` in the query, bodies appended without a status check;
// - requests_respectful: one global realm, 55 requests per sliding 60 s, checked before each request; a spent
//   budget raises before any HTTP call (the profile call waits in 1 s steps instead) and requeues the task in 61 s;
// - `finally`, always: delete the file by basename, then upload the whole list again (direct, PUT, complete).
// Durations that the original measured in seconds are divided by the emulators' time scale, as oh-moves' are.
import { DateTime } from 'luxon';
import { pythonJsonDumps } from './python-json.ts';

export interface OriginalMember {
  ohMemberId: string;
  ohAccessToken: string;
  ohRefreshToken: string;
  /** Emulator-clock ms when the Open Humans access token expires. */
  ohTokenExpiresAt: number;
  movesAccessToken: string;
}

export interface OriginalSettings {
  movesUrl: string;
  openHumansUrl: string;
  /** The emulators' time scale: one emulated minute lasts 60 / timeScale real seconds. */
  timeScale: number;
  /** The emulators' clock offset, so "now" agrees with them when a benchmark lets time pass. */
  clockOffsetMs?: number;
  /** The Open Humans project's credentials, for refreshing members' tokens. */
  ohClient: { id: string; secret: string };
  /** Give up after this long (real ms); unfinished tasks are reported. */
  timeoutMs: number;
}

export interface OriginalRun {
  /** Real ms from the first task's start to the last task's final upload. */
  elapsedMs: number;
  /** process_moves runs, including those that ended in a requeue. */
  tasksRun: number;
  requeues: number;
  /** Tasks that died on an exception (the original did not retry them). */
  crashed: number;
  /** The first such exception's message. */
  firstCrash?: string;
  /** Members whose chain had not ended when the timeout came. */
  unfinished: number;
  /** Size of each member's last uploaded file, by member. */
  fileBytes: Map<string, number>;
}

const REALM_REQUESTS = 55; // 60 per minute less the safety threshold of 5 used on Heroku
const REALM_SECONDS = 60;
const REQUEUE_SECONDS = 61;
const FILENAME = 'moves-storyline-data.json';
const METADATA = {
  description: 'Moves GPS maps, locations, and steps data.',
  tags: ['GPS', 'Moves', 'steps'],
};

class RateLimited extends Error {}

/** requests_respectful's realm: a request is allowed while fewer than 55 were made in the last 60 s. */
class SlidingWindowRealm {
  private readonly stamps: number[] = [];
  private readonly windowMs: number;
  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  tryTake(): boolean {
    const now = Date.now();
    while (this.stamps.length && this.stamps[0]! <= now - this.windowMs) this.stamps.shift();
    if (this.stamps.length >= REALM_REQUESTS) return false;
    this.stamps.push(now);
    return true;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OriginalApp {
  private readonly s: OriginalSettings;
  private readonly realm: SlidingWindowRealm;
  private readonly secondMs: number;

  constructor(s: OriginalSettings) {
    this.s = s;
    this.secondMs = 1000 / s.timeScale;
    this.realm = new SlidingWindowRealm(REALM_SECONDS * this.secondMs);
  }

  /** Runs `process_moves` for each member on one worker until every chain has ended (or the timeout). */
  async run(members: OriginalMember[]): Promise<OriginalRun> {
    const queue = members.map((m) => ({ member: m, notBefore: 0 }));
    const out: OriginalRun = {
      elapsedMs: 0,
      tasksRun: 0,
      requeues: 0,
      crashed: 0,
      unfinished: 0,
      fileBytes: new Map(),
    };
    const t0 = Date.now();
    while (queue.length) {
      if (Date.now() - t0 > this.s.timeoutMs) break;
      queue.sort((a, b) => a.notBefore - b.notBefore);
      const task = queue.shift()!;
      const wait = task.notBefore - Date.now();
      if (wait > 0) await sleep(wait);
      out.tasksRun++;
      try {
        const { requeue, bytes } = await this.processMoves(task.member);
        out.fileBytes.set(task.member.ohMemberId, bytes);
        if (requeue) {
          out.requeues++;
          queue.push({ member: task.member, notBefore: Date.now() + REQUEUE_SECONDS * this.secondMs });
        }
      } catch (err) {
        out.crashed++;
        out.firstCrash ??= err instanceof Error ? err.message : String(err);
      }
      out.elapsedMs = Date.now() - t0;
    }
    out.unfinished = queue.length;
    return out;
  }

  private now(): DateTime {
    return DateTime.fromMillis(Date.now() + (this.s.clockOffsetMs ?? 0), { zone: 'utc' });
  }

  private async processMoves(m: OriginalMember): Promise<{ requeue: boolean; bytes: number }> {
    await this.freshOhToken(m);
    let data = await this.existingMoves(m);
    let requeue = false;
    let failure: unknown;
    try {
      const start = DateTime.fromFormat(await this.startDate(m, data), 'yyyyMMdd', { zone: 'utc' });
      data = data.filter((d) => !sameIsoWeek(dayDate(d), start));
      const stop = this.now().plus({ days: 7 });
      for (let week = start; !sameIsoWeek(week, stop); week = week.plus({ days: 7 })) {
        if (!this.realm.tryTake()) throw new RateLimited();
        const res = await fetch(
          `${this.s.movesUrl}/api/1.1/user/storyline/daily/${week.weekYear}-W${week.weekNumber}` +
            `?trackPoints=true&access_token=${encodeURIComponent(m.movesAccessToken)}`,
        );
        const body: unknown = await res.json();
        // `moves_data + response.json()`: a list extends the history whatever the status; anything else is a
        // TypeError that ends the task.
        if (!Array.isArray(body)) throw new TypeError('can only concatenate list (not "dict") to list');
        data = data.concat(body as MovesDay[]);
      }
    } catch (err) {
      if (err instanceof RateLimited) requeue = true;
      else failure = err;
    }
    // `finally: replace_moves(...)`: partial progress is uploaded after a rate-limit stop and after any error.
    const bytes = await this.replaceMoves(m, data);
    if (failure) throw failure;
    return { requeue, bytes };
  }

  private async startDate(m: OriginalMember, data: MovesDay[]): Promise<string> {
    if (data.length) return data[data.length - 1]!.date;
    while (!this.realm.tryTake()) await sleep(this.secondMs);
    const res = await fetch(
      `${this.s.movesUrl}/api/1.1/user/profile?access_token=${encodeURIComponent(m.movesAccessToken)}`,
    );
    const profile = (await res.json()) as { profile: { firstDate: string } };
    return profile.profile.firstDate;
  }

  /** Step 1 of process_moves: refresh the Open Humans token when less than 60 s of it is left (rotating). */
  private async freshOhToken(m: OriginalMember): Promise<void> {
    if (m.ohTokenExpiresAt - this.now().toMillis() > 60_000) return;
    const res = await fetch(`${this.s.openHumansUrl}/oauth2/token/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${this.s.ohClient.id}:${this.s.ohClient.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: m.ohRefreshToken }).toString(),
    });
    if (!res.ok) throw new Error(`token refresh: HTTP ${res.status}`);
    const t = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
    m.ohAccessToken = t.access_token;
    m.ohRefreshToken = t.refresh_token;
    m.ohTokenExpiresAt = expiresAt(this.now().toMillis(), t.expires_in, this.s.timeScale);
  }

  private ohApi(path: string, token: string): string {
    return `${this.s.openHumansUrl}/api/direct-sharing/project/${path}/?access_token=${encodeURIComponent(token)}`;
  }

  /** The first file tagged Moves on the member's exchange-member answer (first page only, as ohapi 0.2.2). */
  private async existingMoves(m: OriginalMember): Promise<MovesDay[]> {
    const res = await fetch(this.ohApi('exchange-member', m.ohAccessToken));
    if (!res.ok) throw new Error(`exchange-member: HTTP ${res.status}`);
    const member = (await res.json()) as {
      data: { download_url: string; metadata?: { tags?: string[] } }[];
    };
    const file = member.data.find((f) => f.metadata?.tags?.includes('Moves'));
    if (!file) return [];
    return (await (await fetch(file.download_url)).json()) as MovesDay[];
  }

  private async replaceMoves(m: OriginalMember, data: MovesDay[]): Promise<number> {
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const del = await fetch(
      this.ohApi('files/delete', m.ohAccessToken),
      form({ project_member_id: m.ohMemberId, file_basename: FILENAME }),
    );
    if (!del.ok) throw new Error(`delete: HTTP ${del.status}`);
    const body = Buffer.from(pythonJsonDumps(data), 'utf8');
    const direct = await fetch(
      this.ohApi('files/upload/direct', m.ohAccessToken),
      form({
        project_member_id: m.ohMemberId,
        filename: FILENAME,
        metadata: JSON.stringify({
          ...METADATA,
          updated_at: this.now().toFormat('yyyy-MM-dd HH:mm:ss.SSS000'),
        }),
      }),
    );
    const { url, id } = (await direct.json()) as { url: string; id: number };
    await fetch(url, { method: 'PUT', body }); // ohapi 0.2.2 did not check the PUT's status
    const complete = await fetch(
      this.ohApi('files/upload/complete', m.ohAccessToken),
      form({ project_member_id: m.ohMemberId, file_id: String(id) }),
    );
    if (!complete.ok) throw new Error(`complete: HTTP ${complete.status}`);
    return body.length;
  }
}

/** Token lifetimes on the emulators are divided by their time scale. */
export const expiresAt = (now: number, expiresInS: number, timeScale: number) =>
  now + (expiresInS * 1000) / timeScale;

interface MovesDay {
  date: string;
  [field: string]: unknown;
}

const dayDate = (d: MovesDay) => DateTime.fromFormat(d.date, 'yyyyMMdd', { zone: 'utc' });

function sameIsoWeek(a: DateTime, b: DateTime): boolean {
  return a.weekYear === b.weekYear && a.weekNumber === b.weekNumber;
}
