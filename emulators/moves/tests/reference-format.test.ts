// The reference's recorded examples, reproduced key for key by our serializer and token/profile writers.
import { describe, expect, it } from 'vitest';
import { toMovesJson } from '../serializer.ts';
import { tokenResponseBody } from '../oauth-tokens.ts';
import { generateStorylineDay } from '../generator.ts';
import { computeSummary } from '../summary.ts';

const STORYLINE_EXAMPLE =
  '[{"date":"20160616","summary":null,"segments":null},{"date":"20160617","summary":[{"activity":"walking","group":"walking","duration":46.0,"distance":35.0,"steps":70},{"activity":"car","group":"transport","duration":101.0,"distance":1018.0}],"segments":[{"type":"place","startTime":"20160617T015148-0700","endTime":"20160617T093531-0700","place":{"id":295634611,"name":"Work","type":"work","location":{"lat":50.17245925464375,"lon":8.6273515414181}},"activities":[{"activity":"walking","group":"walking","manual":false,"startTime":"20160617T020334-0700","endTime":"20160617T020420-0700","duration":46.0,"distance":35.0,"steps":70,"trackPoints":[]}],"lastUpdate":"20170412T074118Z"},{"type":"move","startTime":"20160617T093531-0700","endTime":"20160617T093712-0700","activities":[{"activity":"car","group":"transport","manual":true,"startTime":"20160617T093531-0700","endTime":"20160617T093712-0700","duration":101.0,"distance":1018.0,"trackPoints":[{"lat":50.172459,"lon":8.6273515,"time":"20160617T093531-0700"},{"lat":50.177965,"lon":8.6290568,"time":"20160617T093712-0700"}]}],"lastUpdate":"20160617T205150Z"},{"type":"place","startTime":"20160617T093732-0700","endTime":"20160617T095211-0700","place":{"id":295850210,"name":"RiedbergZentrum","type":"facebook","facebookPlaceId":"154124874625311","location":{"lat":50.17687,"lon":8.6292}},"lastUpdate":"20160617T173408Z"}],"lastUpdate":"20170412T074118Z"}]';
const SUMMARY_EXAMPLE =
  '[{"date":"20140315","summary":[{"activity":"walking","group":"walking","duration":4984.0,"distance":4656.0,"steps":4875},{"activity":"transport","group":"transport","duration":1902.0,"distance":10421.0},{"activity":"cycling","group":"cycling","duration":167.0,"distance":263.0}],"lastUpdate":"20140316T094438Z"}]';
const PLACES_EXAMPLE =
  '[{"date":"20140316","segments":[{"type":"place","startTime":"20140315T144953+0100","endTime":"20140316T104434+0100","place":{"id":11784689,"name":"Home","type":"home","location":{"lat":43.3071635206,"lon":21.9036310673}},"lastUpdate":"20140316T094438Z"}],"lastUpdate":"20140316T094438Z"}]';
const PROFILE_EXAMPLE =
  '{"userId":12345678,"profile":{"firstDate":"20160616","currentTimeZone":{"id":"America/Los_Angeles","offset":-25200},"localization":{"language":"en-DE","locale":"en_DE","firstWeekDay":2,"metric":false},"caloriesAvailable":false,"platform":"ios"}}';
const TOKEN_EXAMPLE =
  '{"access_token":"new_moves_access_token","token_type":"bearer","expires_in":15551998,"refresh_token":"new_moves_refresh_token","user_id":12345678}';

describe('serialization matches the recorded responses', () => {
  it.each([
    ['storyline', STORYLINE_EXAMPLE],
    ['summary', SUMMARY_EXAMPLE],
    ['places', PLACES_EXAMPLE],
  ])('%s example round-trips byte for byte', (_name, text) => {
    expect(toMovesJson(JSON.parse(text))).toBe(text);
  });

  it('profile with a bigint userId', () => {
    const parsed = JSON.parse(PROFILE_EXAMPLE) as { profile: unknown };
    expect(toMovesJson({ userId: 12345678n, profile: parsed.profile })).toBe(PROFILE_EXAMPLE);
    expect(toMovesJson({ userId: 23138311640030064n })).toBe('{"userId":23138311640030064}');
  });

  it('token response in the documented field order', () => {
    const body = tokenResponseBody({
      accessToken: 'new_moves_access_token',
      refreshToken: 'new_moves_refresh_token',
      expiresIn: 15551998,
      userId: '12345678',
    });
    expect(body).toBe(TOKEN_EXAMPLE);
  });

  it('the recorded summary follows the summary rule from the recorded activities', () => {
    const day = JSON.parse(STORYLINE_EXAMPLE)[1];
    const acts = day.segments.flatMap((s: { activities?: unknown[] }) => s.activities ?? []);
    expect(computeSummary(acts)).toEqual(day.summary);
  });
});

const ORDER = {
  day: ['date', 'summary', 'segments', 'caloriesIdle', 'lastUpdate'],
  segment: ['type', 'startTime', 'endTime', 'place', 'activities', 'lastUpdate'],
  activity: [
    'activity',
    'group',
    'manual',
    'startTime',
    'endTime',
    'duration',
    'distance',
    'steps',
    'calories',
    'trackPoints',
  ],
  place: ['id', 'name', 'type', 'facebookPlaceId', 'foursquareId', 'foursquareCategoryIds', 'location'],
  summary: ['activity', 'group', 'duration', 'distance', 'steps', 'calories'],
};
function inOrder(keys: string[], order: string[]): boolean {
  const idx = keys.map((k) => order.indexOf(k));
  return idx.every((i, n) => i >= 0 && (n === 0 || i > idx[n - 1]!));
}

describe('generated days use the documented keys and order', () => {
  it('a month of storyline days', () => {
    const user = { seed: 11, firstDate: '20150101', timeZone: 'Europe/Berlin' };
    let places = 0;
    for (let d = 1; d <= 28; d++) {
      const day = generateStorylineDay(user, `201502${String(d).padStart(2, '0')}`, {
        trackPoints: true,
        now: Date.UTC(2020, 0, 1),
      });
      expect(inOrder(Object.keys(day), ORDER.day)).toBe(true);
      for (const s of day.segments ?? []) {
        expect(inOrder(Object.keys(s), ORDER.segment)).toBe(true);
        if (s.place) {
          places++;
          expect(inOrder(Object.keys(s.place), ORDER.place)).toBe(true);
        }
        for (const a of s.activities ?? []) expect(inOrder(Object.keys(a), ORDER.activity)).toBe(true);
      }
      for (const item of day.summary ?? []) expect(inOrder(Object.keys(item), ORDER.summary)).toBe(true);
    }
    expect(places).toBeGreaterThan(28);
  });
});
