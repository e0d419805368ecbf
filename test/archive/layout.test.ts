// Which entries of an export hold the storyline, and in what order they are read.
import { describe, expect, it } from 'vitest';
import { chooseStoryline, classifyStoryline, isNestedZip } from '../../src/archive/layout.ts';

const choose = (names: string[]) => chooseStoryline(names.map((name) => ({ name, item: name })));

describe('export layout', () => {
  it('finds the storyline files under any folder prefix, in every cut', () => {
    expect(classifyStoryline('json/full/storyline.json')).toEqual({ cut: 'full', period: '' });
    expect(classifyStoryline('moves_export/json/json/full/storyline.json')?.cut).toBe('full');
    expect(classifyStoryline('moves_export\\json\\daily\\storyline\\storyline_20140401.json')).toEqual({
      cut: 'daily',
      period: '20140401',
    });
    expect(classifyStoryline('json/weekly/storyline/storyline_2014-W14.json')).toEqual({
      cut: 'weekly',
      period: '2014-W14',
    });
    expect(classifyStoryline('json/monthly/storyline/storyline_201404.json')?.cut).toBe('monthly');
    expect(classifyStoryline('json/yearly/storyline/storyline_2014.json')?.cut).toBe('yearly');
  });

  it('ignores other cuts, other formats and macOS leftovers', () => {
    for (const name of [
      'json/full/places.json',
      'json/daily/activities/activities_20140401.json',
      'geojson/full/storyline.geojson',
      'csv/full/storyline.csv',
      '__MACOSX/json/full/storyline.json',
      'json/full/._storyline.json',
      'notjson/full/storyline.json',
    ])
      expect(classifyStoryline(name), name).toBeNull();
  });

  it('opens json.zip and a re-zipped export, not the other formats', () => {
    expect(isNestedZip('moves_export/json.zip')).toBe(true);
    expect(isNestedZip('json.zip')).toBe(true);
    expect(isNestedZip('moves_export.zip')).toBe(true);
    expect(isNestedZip('moves_export/csv.zip')).toBe(false);
    expect(isNestedZip('__MACOSX/moves_export/._json.zip')).toBe(false);
  });

  it('prefers the full file, then daily files in date order, one copy per period', () => {
    expect(
      choose([
        'json/daily/storyline/storyline_20140402.json',
        'json/json/full/storyline.json',
        'json/full/storyline.json',
      ]),
    ).toEqual({ cut: 'full', items: ['json/full/storyline.json'] });
    expect(
      choose([
        'a/json/daily/storyline/storyline_20140402.json',
        'json/weekly/storyline/storyline_2014-W14.json',
        'b/json/daily/storyline/storyline_20140331.json',
        'a/json/daily/storyline/storyline_20140331.json',
        'json/daily/storyline/storyline_20140401.json',
      ]),
    ).toEqual({
      cut: 'daily',
      items: [
        'a/json/daily/storyline/storyline_20140331.json',
        'json/daily/storyline/storyline_20140401.json',
        'a/json/daily/storyline/storyline_20140402.json',
      ],
    });
    expect(choose(['json/full/places.json'])).toBeNull();
  });
});
