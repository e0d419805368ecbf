// The Open Humans client: OAuth2 for the project (Basic client auth, rotating refresh tokens), exchange-member
// with every page followed, the three-step direct upload (each step checked), delete, download, leave, message.
// The member's token goes in the Authorization header, never in a URL.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Metrics } from '../metrics.ts';
import type { Clock } from '../util/clock.ts';
import { systemClock } from '../util/clock.ts';
import { UpstreamError } from '../upstream/errors.ts';
import { UpstreamHttp, type UpstreamResponse } from '../upstream/http.ts';
import { parseBody } from '../upstream/json.ts';
import { tokenError } from '../upstream/oauth.ts';
import { putStream, SizeMismatchError } from '../upstream/put-stream.ts';
import {
  ohCompleteResponse,
  ohDeleteResponse,
  ohDirectUploadResponse,
  ohExchangeMemberPage,
  ohTokenResponse,
} from './schemas.ts';

export interface OhTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scope: string;
}

export interface OhFile {
  id: number;
  basename: string;
  created: string;
  downloadUrl: string;
  metadata: { description?: string; tags?: string[]; [k: string]: unknown };
  source: string;
}

export interface OhMember {
  projectMemberId: string;
  username?: string;
  created: string;
  /** Every page followed. Includes files of other sources shared with the project (see sourcesShared). */
  files: OhFile[];
  /** Sources of other projects shared with ours: a file whose source is not in here is our own. */
  sourcesShared?: string[];
}

export interface UploadFileParams {
  filename: string;
  metadata: Record<string, unknown>;
  size: number;
  /** Returns a fresh stream of exactly `size` bytes each time it is called. */
  body: () => Readable;
  /**
   * Called once Open Humans has created the (still incomplete) file, before any byte is sent: the caller
   * records the id so a failed or interrupted upload can be removed later (discardUpload).
   */
  onStarted?: (started: StartedUpload) => Promise<void>;
}

/** An upload Open Humans created (step 1) but that may not have completed. */
export interface StartedUpload {
  id: number;
  /** The pre-signed PUT URL (valid 6 hours): a credential for that one object. */
  url: string;
}

export type DeleteTarget = { fileId: number } | { basename: string } | { allFiles: true };

export interface OpenHumansClientOptions {
  clientId: string;
  clientSecret: string;
  /** e.g. https://www.openhumans.org (no trailing slash). */
  baseUrl: string;
  /** Where Open Humans sends the member back: APP_BASE_URL/complete. */
  redirectUri: string;
  /**
   * Data types (names or ids registered by the project) named on every upload, as the optional `datatypes`
   * field Open Humans added after 2018. Empty or unset: the field is not sent (2018-style projects).
   */
  datatypes?: readonly string[];
  metrics?: Metrics;
  clock?: Clock;
  /** Per-call timeout for API and token calls (default 30 s). */
  timeoutMs?: number;
  /** Timeout for the storage PUT of a whole file (default 15 min). */
  uploadTimeoutMs?: number;
  userAgent?: string;
  /** Safety stop for exchange-member pagination (default 1000 pages). */
  maxPages?: number;
  /** exchange-member page size (`limit`); unset = Open Humans' default of 100. */
  pageSize?: number;
}

const API = '/api/direct-sharing/project';

export class OpenHumansClient {
  private readonly http: UpstreamHttp;
  private readonly base: string;
  private readonly clock: Clock;

  private readonly opts: OpenHumansClientOptions;

  constructor(opts: OpenHumansClientOptions) {
    this.opts = opts;
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.clock = opts.clock ?? systemClock();
    this.http = new UpstreamHttp({
      service: 'openhumans',
      metrics: opts.metrics,
      timeoutMs: opts.timeoutMs ?? 30_000,
      userAgent: opts.userAgent ?? 'oh-moves',
    });
  }

  /** The direct-sharing authorize page (it creates the project membership), with state and PKCE S256. */
  authorizeUrl(p: { state: string; codeChallenge: string }): string {
    const q = new URLSearchParams({
      client_id: this.opts.clientId,
      response_type: 'code',
      redirect_uri: this.opts.redirectUri,
      state: p.state,
      code_challenge: p.codeChallenge,
      code_challenge_method: 'S256',
    });
    return `${this.base}/direct-sharing/projects/oauth2/authorize/?${q}`;
  }

  exchangeCode(code: string, codeVerifier?: string): Promise<OhTokens> {
    const params: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.opts.redirectUri,
    };
    if (codeVerifier) params.code_verifier = codeVerifier;
    return this.tokenRequest(params, 'exchanging the authorization code');
  }

  /** Open Humans rotates refresh tokens: the old one (and its access token) stop working at once. */
  refresh(refreshToken: string): Promise<OhTokens> {
    return this.tokenRequest(
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      'refreshing the access token',
    );
  }

  async exchangeMember(accessToken: string): Promise<OhMember> {
    const what = 'reading the member data';
    const maxPages = this.opts.maxPages ?? 1000;
    let url: string | null = `${this.base}${API}/exchange-member/${
      this.opts.pageSize ? `?limit=${this.opts.pageSize}` : ''
    }`;
    const seen = new Set<string>();
    let member: OhMember | undefined;
    while (url) {
      if (seen.has(url) || seen.size >= maxPages) {
        throw new UpstreamError('openhumans', 200, true, `Open Humans file list does not end (${what})`);
      }
      seen.add(url);
      const res = await this.call(accessToken, url, { what });
      this.expect(res, 200, what);
      const page = parseBody(res.text, ohExchangeMemberPage, { service: 'openhumans', what });
      const files = page.data.map((f) => ({
        id: f.id,
        basename: f.basename,
        created: f.created,
        downloadUrl: f.download_url,
        metadata: f.metadata,
        source: f.source,
      }));
      if (!member) {
        member = {
          projectMemberId: page.project_member_id,
          created: page.created,
          files,
          sourcesShared: page.sources_shared,
          ...(page.username !== undefined ? { username: page.username } : {}),
        };
      } else {
        if (page.project_member_id !== member.projectMemberId) {
          throw new UpstreamError(
            'openhumans',
            200,
            true,
            `Open Humans pages disagree about the member (${what})`,
          );
        }
        member.files.push(...files);
      }
      url = page.next ? this.sameOrigin(page.next, what) : null;
    }
    return member!;
  }

  /**
   * Direct upload: (1) upload/direct/ → 201 {id, url}; (2) PUT the bytes, no Content-Type → 2xx;
   * (3) upload/complete/ → 200 {status: "ok", size} with size equal to what we sent. Any failed step throws;
   * the incomplete file stays on Open Humans (hidden, expunged after 6 h) until discardUpload removes it.
   */
  private directUploadForm(p: UploadFileParams): URLSearchParams {
    const form = new URLSearchParams({ filename: p.filename, metadata: JSON.stringify(p.metadata) });
    const types = this.opts.datatypes ?? [];
    if (types.length > 0) form.set('datatypes', JSON.stringify(types));
    return form;
  }

  async uploadFile(accessToken: string, p: UploadFileParams): Promise<{ id: number; size: number }> {
    const startWhat = `starting the upload of ${p.filename}`;
    const start = await this.call(accessToken, `${this.base}${API}/files/upload/direct/`, {
      what: startWhat,
      method: 'POST',
      body: this.directUploadForm(p),
    });
    this.expect(start, 201, startWhat);
    const { id, url } = parseBody(start.text, ohDirectUploadResponse, {
      service: 'openhumans',
      what: startWhat,
    });
    await p.onStarted?.({ id, url });

    const putWhat = `sending the bytes of ${p.filename}`;
    const timeoutMs = this.opts.uploadTimeoutMs ?? 15 * 60_000;
    let put;
    try {
      put = await putStream(url, {
        body: p.body(),
        size: p.size,
        signal: AbortSignal.timeout(timeoutMs),
        userAgent: this.opts.userAgent ?? 'oh-moves',
      });
    } catch (err) {
      if (err instanceof SizeMismatchError) {
        this.http.count('error');
        throw new UpstreamError(
          'openhumans',
          null,
          false,
          `upload of ${p.filename} stopped: ${err.message}`,
          {
            cause: err,
          },
        );
      }
      const aborted = (err as { name?: string }).name === 'AbortError';
      this.http.count(aborted ? 'timeout' : 'error');
      throw this.http.transportError(
        aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err,
        putWhat,
        timeoutMs,
      );
    }
    this.http.count(put.status);
    if (put.status < 200 || put.status > 299) {
      throw new UpstreamError(
        'openhumans',
        put.status,
        put.status >= 500 || put.status === 408 || put.status === 429,
        `Open Humans storage refused the file, HTTP ${put.status} (${putWhat})`,
      );
    }

    const completeWhat = `completing the upload of ${p.filename}`;
    const complete = await this.call(accessToken, `${this.base}${API}/files/upload/complete/`, {
      what: completeWhat,
      method: 'POST',
      body: new URLSearchParams({ file_id: String(id) }),
    });
    this.expect(complete, 200, completeWhat);
    const done = parseBody(complete.text, ohCompleteResponse, { service: 'openhumans', what: completeWhat });
    if (done.size !== p.size) {
      throw new UpstreamError(
        'openhumans',
        200,
        true,
        `Open Humans stored ${done.size} bytes of ${p.filename} but we sent ${p.size}`,
      );
    }
    return { id, size: done.size };
  }

  /**
   * Removes an upload that failed or was interrupted. Open Humans deletes only completed files and hides the
   * rest until it expunges them after 6 hours, so the file is completed first: as it is, when its bytes
   * arrived (only the complete step failed), or with a 2-byte placeholder PUT to its URL when they did not;
   * then it is deleted by id. 'gone' when Open Humans no longer has it (expunged, or the URL expired, which
   * happens together). Transient failures throw: the caller keeps the record and tries again later.
   */
  async discardUpload(accessToken: string, upload: StartedUpload): Promise<'removed' | 'gone'> {
    const what = `removing the unfinished upload ${upload.id}`;
    let done = await this.completeStarted(accessToken, upload.id, what);
    if (done === 'not_present') {
      const put = await putStream(upload.url, {
        body: Readable.from([Buffer.from('[]')]),
        size: 2,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
        userAgent: this.opts.userAgent ?? 'oh-moves',
      }).catch((err: unknown) => {
        this.http.count('error');
        throw this.http.transportError(err, what);
      });
      this.http.count(put.status);
      // S3 refuses an expired URL with 403: the file is past its 6 hours and Open Humans expunges it.
      if (put.status === 403) return 'gone';
      if (put.status < 200 || put.status > 299)
        throw new UpstreamError(
          'openhumans',
          put.status,
          true,
          `Open Humans storage answered HTTP ${put.status} (${what})`,
        );
      done = await this.completeStarted(accessToken, upload.id, what);
    }
    if (done !== 'completed') return 'gone';
    await this.deleteFile(accessToken, { fileId: upload.id });
    return 'removed';
  }

  /** Step 3 for a file that may or may not have its bytes: 404 means Open Humans has no such file (any more). */
  private async completeStarted(
    accessToken: string,
    id: number,
    what: string,
  ): Promise<'completed' | 'not_present' | 'gone'> {
    const res = await this.call(accessToken, `${this.base}${API}/files/upload/complete/`, {
      what,
      method: 'POST',
      body: new URLSearchParams({ file_id: String(id) }),
    });
    if (res.response.status === 200) return 'completed';
    if (res.response.status === 404) return 'gone';
    if (res.response.status === 400 && /not present/.test(res.text)) return 'not_present';
    throw this.http.statusError(res, what);
  }

  /** Deletes this project's files for the member. Returns the ids Open Humans deleted (may be empty). */
  async deleteFile(accessToken: string, p: DeleteTarget): Promise<number[]> {
    const body = new URLSearchParams();
    let what: string;
    if ('fileId' in p) {
      body.set('file_id', String(p.fileId));
      what = `deleting file ${p.fileId}`;
    } else if ('basename' in p) {
      body.set('file_basename', p.basename);
      what = `deleting the files named ${p.basename}`;
    } else {
      body.set('all_files', 'true');
      what = 'deleting all files';
    }
    const res = await this.call(accessToken, `${this.base}${API}/files/delete/`, {
      what,
      method: 'POST',
      body,
    });
    this.expect(res, 200, what);
    return parseBody(res.text, ohDeleteResponse, { service: 'openhumans', what }).ids;
  }

  /**
   * Downloads a file from its (short-lived) download URL, following the redirect to storage. The time limit
   * applies to the answer and then to every pause in the body (a stalled transfer errors instead of hanging).
   */
  async download(downloadUrl: string): Promise<Readable> {
    const what = 'downloading a file';
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const controller = new AbortController();
    const timeoutError = () =>
      this.http.transportError(
        Object.assign(new Error('timeout'), { name: 'TimeoutError' }),
        what,
        timeoutMs,
      );
    let timer = setTimeout(() => controller.abort(timeoutError()), timeoutMs);
    let response: Response;
    try {
      response = await fetch(downloadUrl, {
        redirect: 'follow',
        signal: controller.signal,
        headers: { 'user-agent': this.opts.userAgent ?? 'oh-moves' },
      });
    } catch (err) {
      clearTimeout(timer);
      this.http.count(controller.signal.aborted ? 'timeout' : 'error');
      throw controller.signal.aborted ? timeoutError() : this.http.transportError(err, what, timeoutMs);
    }
    this.http.count(response.status);
    if (response.status !== 200 || !response.body) {
      const text = await response.text().catch(() => '');
      clearTimeout(timer);
      if (response.status === 403) {
        throw new UpstreamError(
          'openhumans',
          403,
          true,
          'Open Humans refused the download link (expired or file unavailable): fetch a fresh link and retry',
        );
      }
      throw this.http.statusError({ response, text }, what);
    }
    const stream = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const err = timeoutError();
        controller.abort(err);
        stream.destroy(err);
      }, timeoutMs);
    };
    restart();
    stream.on('data', restart);
    stream.on('close', () => clearTimeout(timer));
    stream.on('error', () => clearTimeout(timer));
    return stream;
  }

  /** Leaves the project on the member's behalf (remove-members/ with their own token). */
  async removeMember(accessToken: string): Promise<void> {
    const what = 'leaving the project';
    const res = await this.call(accessToken, `${this.base}${API}/remove-members/`, {
      what,
      method: 'POST',
      body: new URLSearchParams(),
    });
    this.expect(res, 200, what);
  }

  /** Sends the member an email through Open Humans. */
  async message(accessToken: string, subject: string, message: string): Promise<void> {
    const what = 'sending a message';
    const res = await this.call(accessToken, `${this.base}${API}/message/`, {
      what,
      method: 'POST',
      body: new URLSearchParams({ subject, message }),
    });
    this.expect(res, 200, what);
  }

  private call(
    accessToken: string,
    url: string,
    req: { what: string; method?: 'GET' | 'POST'; body?: URLSearchParams },
  ): Promise<UpstreamResponse> {
    return this.http.send(url, { ...req, headers: { authorization: `Bearer ${accessToken}` } });
  }

  private expect(res: UpstreamResponse, status: number, what: string): void {
    if (res.response.status !== status) throw this.http.statusError(res, what);
  }

  /** `next` links must stay on the Open Humans host: our token is never sent anywhere else. */
  private sameOrigin(next: string, what: string): string {
    let url: URL;
    try {
      url = new URL(next, this.base);
    } catch {
      throw new UpstreamError(
        'openhumans',
        200,
        true,
        `Open Humans sent an unusable next-page link (${what})`,
      );
    }
    if (url.origin !== new URL(this.base).origin) {
      throw new UpstreamError(
        'openhumans',
        200,
        false,
        `Open Humans sent a next-page link to another host (${what})`,
      );
    }
    return url.toString();
  }

  private async tokenRequest(params: Record<string, string>, what: string): Promise<OhTokens> {
    const basic = Buffer.from(
      `${encodeURIComponent(this.opts.clientId)}:${encodeURIComponent(this.opts.clientSecret)}`,
    ).toString('base64');
    const res = await this.http.send(`${this.base}/oauth2/token/`, {
      method: 'POST',
      what,
      headers: { authorization: `Basic ${basic}` },
      body: new URLSearchParams(params),
    });
    if (res.response.status !== 200) throw tokenError(this.http, res, what);
    const now = this.clock.now();
    const t = parseBody(res.text, ohTokenResponse, { service: 'openhumans', what });
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: new Date(now + t.expires_in * 1000),
      scope: t.scope,
    };
  }
}
