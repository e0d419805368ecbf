// The sample export is the sandbox's: a context given no sample exports (production, or a web process without
// the emulators in it) offers no sample link and answers GET /import/sample with "not found".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMember, sessionCookie, startTestWebApp, type TestWebApp } from './support.ts';

let web: TestWebApp;
beforeAll(async () => {
  web = await startTestWebApp();
});
afterAll(async () => {
  await web?.close();
});

describe('the sample export outside the sandbox', () => {
  it('is neither offered nor served without the sandbox wiring', async () => {
    expect(web.ctx.config.sandbox).toBe(true); // no credentials, yet no emulators in this process
    const m = await insertMember(web.ctx);
    const cookie = sessionCookie(web.app, { memberId: m.id });
    const page = await web.app.inject({ method: 'GET', url: '/import', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('/import/sample');
    const sample = await web.app.inject({ method: 'GET', url: '/import/sample', headers: { cookie } });
    expect(sample.statusCode).toBe(404);
    expect(sample.body).toContain('Sample exports exist only in the sandbox.');
  });
});
