// oh-moves reads Open Humans' answers both as recorded in 2018 and as the current source writes them: the
// exchange-member page with message_permission and no pagination, or paginated with file entries of six keys
// only (data_import/serializers.py DataFileSerializer), and the token and direct-upload replies in any key order.
import { describe, expect, it } from 'vitest';
import {
  ohDirectUploadResponse,
  ohExchangeMemberPage,
  ohTokenResponse,
} from '../../src/openhumans/schemas.ts';
import { parseBody } from '../../src/upstream/json.ts';

const opts = { service: 'openhumans' as const, what: 'testing' };

describe('Open Humans answers, 2018 and today', () => {
  it('reads the recorded 2018 exchange-member page (message_permission, no count/next/previous)', () => {
    const recorded =
      '{"created":"2018-04-25T10:00:00.000000Z","project_member_id":"23456789","message_permission":true,"sources_shared":[],"data":[]}';
    const page = parseBody(recorded, ohExchangeMemberPage, opts);
    expect(page.project_member_id).toBe('23456789');
    expect(page.next).toBeUndefined();
  });

  it('reads file entries without datatypes or source_project, as the newest serializer writes them', () => {
    const current = JSON.stringify({
      count: 1,
      next: null,
      previous: null,
      created: '2019-05-01T10:00:00.000000Z',
      project_member_id: '01234567',
      sources_shared: [],
      data: [
        {
          id: 7,
          basename: 'moves-storyline-data.json',
          created: '2019-05-01T10:00:00.000000Z',
          download_url: 'https://www.openhumans.org/data-management/datafile-download/7/?key=k',
          metadata: {
            description: 'Moves GPS maps, locations, and steps data.',
            tags: ['GPS', 'Moves', 'steps'],
          },
          source: 'direct-sharing-138',
        },
      ],
    });
    expect(parseBody(current, ohExchangeMemberPage, opts).data[0]!.source).toBe('direct-sharing-138');
  });

  it('reads the token reply and the direct-upload reply in any key order', () => {
    const recorded =
      '{"access_token":"a","expires_in":36000,"token_type":"Bearer","refresh_token":"r","scope":"read write"}';
    const python =
      '{"expires_in": 36000, "refresh_token": "r", "scope": "read write", "token_type": "Bearer", "access_token": "a"}';
    expect(parseBody(recorded, ohTokenResponse, opts)).toEqual(parseBody(python, ohTokenResponse, opts));
    expect(parseBody('{"url":"https://s3/x","id":5}', ohDirectUploadResponse, opts)).toEqual({
      id: 5,
      url: 'https://s3/x',
    });
  });
});
