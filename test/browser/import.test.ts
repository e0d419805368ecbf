/// <reference lib="dom" />
// Bringing your own export in a real browser (Debian Chromium via playwright-core) against the in-process sandbox:
// sign in without Moves, download the sample export, upload it with the progress bar, watch the import, find the
// published file on the Open Humans emulator holding exactly the archive's days; a second upload publishes nothing.
// Screenshots go to test-artifacts/browser/.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOhAccessToken } from '../../src/accounts/index.ts';
import { openArchive } from '../../src/archive/index.ts';
import { members } from '../../src/db/schema.ts';
import type { AppContext } from '../../src/context.ts';
import type { Sandbox } from '../../src/sandbox.ts';
import {
  ARTIFACTS,
  completeOhFiles,
  DESKTOP,
  haveChromium,
  shot,
  signUpOnOpenHumans,
  startSandboxedApp,
  type SandboxedBrowserApp,
} from './support.ts';

let app: SandboxedBrowserApp;
let sandbox: Sandbox;
let ctx: AppContext;
let browser: Browser;
let base: string;

const ohFiles = (projectMemberId: string) => completeOhFiles(sandbox, projectMemberId);

async function archiveDays(file: string): Promise<unknown[]> {
  const a = await openArchive(file);
  const out: unknown[] = [];
  for await (const item of a.items()) if (item.kind === 'day') out.push(JSON.parse(item.text));
  await a.close();
  return out;
}

describe.skipIf(!haveChromium)('importing a Moves export in a browser', () => {
  beforeAll(async () => {
    app = await startSandboxedApp();
    ({ sandbox, ctx, browser, base } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('downloads the sample, uploads it, follows the import and publishes the same days once', async () => {
    const context = await browser.newContext({
      viewport: DESKTOP,
      acceptDownloads: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));

    await page.goto(base + '/');
    await expect(page.getByText('that is how your history gets here').isVisible()).resolves.toBe(true);
    await signUpOnOpenHumans(page, sandbox, 'exporter');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard');

    await page.getByRole('link', { name: 'Import a Moves export' }).click();
    await page.waitForURL(base + '/import');
    await shot(page, 'import-01-page');
    const downloadEvent = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download a sample export' }).click();
    const download = await downloadEvent;
    expect(download.suggestedFilename()).toBe('moves_export.zip');
    const file = path.join(ARTIFACTS, 'sample-moves_export.zip');
    await download.saveAs(file);
    const expected = await archiveDays(file);
    expect(expected.length).toBeGreaterThan(50);

    await page.setInputFiles('#archive', file);
    await page.getByRole('button', { name: 'Upload and import' }).click();
    // The upload bar appears and fills, then the import's own status takes over.
    await page.locator('#upload-progress').waitFor({ state: 'visible' });
    await page.waitForFunction(
      () => (document.getElementById('upload-bar') as HTMLProgressElement).value === 100,
    );
    await page.waitForFunction(
      () =>
        /imported and your file on Open Humans is updated/.test(
          document.getElementById('import-words')?.textContent ?? '',
        ),
      null,
      { timeout: 90_000 },
    );
    await shot(page, 'import-02-done');
    const details = (await page.locator('#import-details').textContent()) ?? '';
    expect(details).toContain(`Days imported: ${expected.length}`);

    const [member] = await ctx.db.select({ id: members.id, ohMemberId: members.ohMemberId }).from(members); // the only member of this private database
    const projectMemberId = member!.ohMemberId;
    const files = (await ohFiles(projectMemberId)).filter((f) => f.basename === 'moves-storyline-data.json');
    expect(files).toHaveLength(1);
    const m = await ctx.openHumans.exchangeMember(await getOhAccessToken(ctx, member!.id));
    const chunks: Buffer[] = [];
    for await (const c of await ctx.openHumans.download(
      m.files.find((f) => f.id === files[0]!.id)!.downloadUrl,
    ))
      chunks.push(c as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual(expected);

    // The same archive again: everything is already current, nothing is uploaded.
    const before = (await sandbox.openHumans.control.stats()).bytesUploaded;
    await page.goto(base + '/import');
    await page.setInputFiles('#archive', file);
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.waitForFunction(
      () =>
        /already here, so nothing was published/.test(
          document.getElementById('import-words')?.textContent ?? '',
        ),
      null,
      { timeout: 90_000 },
    );
    await shot(page, 'import-03-again');
    const after = (await sandbox.openHumans.control.stats()).bytesUploaded;
    expect(after).toBe(before);
    expect((await ohFiles(projectMemberId)).map((f) => f.id)).toEqual(files.map((f) => f.id));

    // The dashboard carries the report too.
    await page.goto(base + '/dashboard');
    await expect(page.locator('#import-words').textContent()).resolves.toMatch(/already here/);
    await shot(page, 'import-05-dashboard');
    await page.goto(base + '/import');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'import-04-phone');
    expect(scriptErrors).toEqual([]);
    await context.close();
  }, 240_000);
});
