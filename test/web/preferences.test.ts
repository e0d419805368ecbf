// Units and locale on the member's pages: automatic from the browser's Accept-Language, the Moves profile's
// localization before it, the member's own choice (the preferences form) before both; numbers via Intl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMember, pageToken, sessionCookie, startTestWebApp, type TestWebApp } from './support.ts';

let web: TestWebApp;
let cookie: string;
let memberId: number;

const walk = { activity: 'walking', group: 'walking', duration: 3600, distance: 6_771_043, steps: 100 };
const DAY = {
  date: '20160614',
  summary: [walk],
  segments: [
    {
      type: 'move',
      startTime: '20160614T140500Z',
      endTime: '20160614T150500Z',
      activities: [{ ...walk, startTime: '20160614T140500Z', endTime: '20160614T150500Z' }],
    },
  ],
  lastUpdate: '20160615T000000Z',
};

async function dayPage(acceptLanguage: string): Promise<string> {
  const res = await web.app.inject({
    method: 'GET',
    url: '/day/2016-06-14',
    headers: { cookie, 'accept-language': acceptLanguage },
  });
  expect(res.statusCode).toBe(200);
  return res.body;
}

async function choose(form: string): Promise<number> {
  const { token, cookie: c } = await pageToken(web.app, '/preferences', cookie);
  cookie = c;
  const res = await web.app.inject({
    method: 'POST',
    url: '/preferences',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(token)}&${form}`,
  });
  return res.statusCode;
}

describe('units and locale preferences', () => {
  beforeAll(async () => {
    web = await startTestWebApp();
    memberId = (await insertMember(web.ctx)).id;
    await web.ctx.weeks.save(memberId, {
      week: '2016-W24',
      daysJson: JSON.stringify([DAY]),
      dates: [DAY.date],
      complete: true,
      source: 'archive',
    });
    cookie = sessionCookie(web.app, { memberId });
  });

  afterAll(async () => {
    await web?.close();
  });

  it("follows the browser's language when nothing else says", async () => {
    const us = await dayPage('en-US,en;q=0.9');
    expect(us).toContain('4,207 mi');
    expect(us).toContain('2:05 pm to 3:05 pm');
    const de = await dayPage('de-DE,de;q=0.9');
    expect(de).toContain('6,771 km');
    expect(de).not.toContain('6,771.0 km');
    expect(de).toContain('14:05 to 15:05');
    const page = await web.app.inject({
      method: 'GET',
      url: '/preferences',
      headers: { cookie, 'accept-language': 'en-US' },
    });
    expect(page.body).toContain('Automatic: now Imperial (miles, feet), from your browser&#39;s language');
  });

  it("puts the Moves profile's localization before the browser, and the member's choice before both", async () => {
    await web.ctx.accounts.saveMovesLocalization(memberId, {
      locale: 'en_US',
      firstWeekDay: 2,
      metric: true,
    });
    expect(await dayPage('en-US')).toContain('6,771 km');
    expect(await choose('units=imperial&weekStart=auto&clock=24h')).toBe(303);
    const chosen = await dayPage('de-DE');
    expect(chosen).toContain('4,207 mi');
    expect(chosen).toContain('14:05 to 15:05');
    expect(await web.ctx.accounts.preferences(memberId)).toMatchObject({
      chosen: { units: 'imperial', weekStart: null, clock: '24h' },
    });
  });

  it('refuses a value the form does not offer, and changes nothing', async () => {
    expect(await choose('units=furlongs&weekStart=auto&clock=auto')).toBe(400);
    expect((await web.ctx.accounts.preferences(memberId)).chosen.units).toBe('imperial');
  });
});
