// Where the 2018 recordings and today's Open Humans source disagree, the emulator follows the source, and
// where they agree (or only the recording says), the recording's bytes. Each case names both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOpenHumansEmulator } from '../../../emulators/openhumans/index.ts';
import { apiUrl, authorizedMember, CLIENT, directUpload, META, postForm, start } from './helpers.ts';

let e: RunningOpenHumansEmulator;
beforeAll(async () => {
  e = await start();
  e.createProject(CLIENT);
});
afterAll(async () => e.close());

describe('answers recorded in 2018 against the current source', () => {
  it('direct upload answers {"id", "url"} in that order (cassette test_upload_aws_valid_access_token, api_views)', async () => {
    const { tokens } = await authorizedMember(e);
    const res = await postForm(apiUrl(e, 'files/upload/direct/', tokens.access_token), {
      filename: 'x.json',
      metadata: META,
    });
    expect(res.status).toBe(201);
    expect(Object.keys((await res.json()) as object)).toEqual(['id', 'url']);
  });

  it('exchange-member is paginated and has no message_permission (removed 2019-01; count/next/previous 2019-03)', async () => {
    const { tokens } = await authorizedMember(e);
    const body = (await (await fetch(apiUrl(e, 'exchange-member/', tokens.access_token))).json()) as object;
    expect(Object.keys(body)).not.toContain('message_permission');
    expect(Object.keys(body).slice(0, 3)).toEqual(['count', 'next', 'previous']);
  });

  it('an unknown token on exchange-member is "Invalid token." (the view now also takes master tokens)', async () => {
    // 2018 (test_get_page_invalid_access_token): only OAuth2 authentication ran, which passes an unknown token
    // on, so DRF said "Authentication credentials were not provided.". Today MasterTokenAuthentication runs
    // after it and raises "Invalid token." (private_sharing/api_views.py, api_authentication.py).
    const res = await fetch(apiUrl(e, 'exchange-member/', 'invalid_token'));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Invalid token.' });
  });

  it('a delete with a member token acts on that member whatever project_member_id says', async () => {
    // 2018 (test_delete_file_project_member_id_invalid): 400 "project_member_id is invalid" for 1234, as the
    // view then used the posted id. Today ProjectFormBaseView replaces it with the token's member ("we don't
    // want one user's OAuth2 token to allow a write to a different user's account"), so it deletes theirs.
    const { tokens } = await authorizedMember(e);
    const mine = await directUpload(e, tokens.access_token, 'mine.json', '[]');
    const res = await postForm(apiUrl(e, 'files/delete/', tokens.access_token), {
      project_member_id: '1234',
      all_files: 'True',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ids: [mine] });
  });
});
