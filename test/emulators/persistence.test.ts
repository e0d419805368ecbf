// Both emulators with a state file (`stateFile`, `--state-file`): after close and a new start on the same file,
// the apps, users, grants and tokens are known again, edited days come back the same, and Open Humans serves
// the same files (records in the state file, bytes in the storage folder). A state file that does not parse
// stops the start with a clear message instead of being overwritten.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMovesEmulator } from '../../emulators/moves/index.ts';
import { CLIENT as MOVES_CLIENT, exchange, tokenFor } from '../../emulators/moves/tests/helpers.ts';
import { startOpenHumansEmulator } from '../../emulators/openhumans/index.ts';
import { apiUrl, authorizedMember, CLIENT, directUpload, tokenRequest } from './openhumans/helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-state-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the Moves emulator with a state file', () => {
  const stateFile = path.join(dir, 'moves.json');
  const start = () => startMovesEmulator({ stateFile });

  it('knows its app, users, edits, names and tokens after a restart', async () => {
    let em = await start();
    em.registerClient(MOVES_CLIENT);
    const { userId } = em.createUser({ firstDate: '20160616', timeZone: 'America/Los_Angeles', seed: 7 });
    const { token, refresh } = await tokenFor(em, userId);
    await em.control.editDay(userId, '20160620');
    await em.control.setNames(userId, { placeName: 'Café «Ω»' });
    const day = async () =>
      (
        await fetch(`${em.url}/api/1.1/user/storyline/daily/20160620?trackPoints=true`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).text();
    const before = await day();
    await em.close();

    em = await start();
    try {
      expect(await day()).toBe(before);
      expect(before).toContain('Café «Ω»');
      expect(before).toContain('"manual":true');
      const refreshed = await exchange(em, { grant_type: 'refresh_token', refresh_token: refresh });
      expect(refreshed.status).toBe(200);
    } finally {
      await em.close();
    }
    // Seeds, edits and tokens only: the generated days are not stored.
    expect(fs.statSync(stateFile).size).toBeLessThan(5_000);
  });
});

describe('the Open Humans emulator with a state file and storage folder', () => {
  const stateFile = path.join(dir, 'openhumans.json');
  const storageDir = path.join(dir, 'openhumans-storage');
  const start = () => startOpenHumansEmulator({ stateFile, storageDir });

  it('knows its project, member, tokens, data types and files after a restart', async () => {
    let e = await start();
    const types = await e.control.createDataType({ name: 'GPS' });
    const project = e.createProject({ ...CLIENT, id: 138, registered_datatypes: ['GPS'] });
    const { id: memberId, tokens } = await authorizedMember(e);
    const fileId = await directUpload(e, tokens.access_token, 'moves-storyline-data.json', '[{"date":"x"}]');
    await e.close();

    e = await start();
    try {
      expect(e.createProject(CLIENT).id).toBe(project.id);
      expect((await e.control.dataTypes()).map((t) => t.id)).toEqual([types.id]);
      const res = await fetch(apiUrl(e, 'exchange-member/', tokens.access_token));
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        project_member_id: string;
        data: { id: number; source: string; download_url: string }[];
      };
      expect(body.project_member_id).toBe(memberId);
      expect(body.data.map((f) => [f.id, f.source])).toEqual([[fileId, 'direct-sharing-138']]);
      expect(await (await fetch(body.data[0]!.download_url)).text()).toBe('[{"date":"x"}]');
      // A new upload gets a new id, not one of the restored files'.
      const next = await directUpload(e, tokens.access_token, 'b.json', '[]');
      expect(next).toBeGreaterThan(fileId);
      const refreshed = await tokenRequest(e, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      });
      expect(refreshed.status).toBe(200);
    } finally {
      await e.close();
    }
  });

  it('refuses to start on a state file that does not parse, and leaves it as it was', async () => {
    const bad = path.join(dir, 'broken.json');
    fs.writeFileSync(bad, '{"version":1,');
    await expect(startOpenHumansEmulator({ stateFile: bad })).rejects.toThrow(
      /broken\.json is not valid JSON; move it away to start afresh/,
    );
    await expect(startMovesEmulator({ stateFile: bad })).rejects.toThrow(/not valid JSON/);
    expect(fs.readFileSync(bad, 'utf8')).toBe('{"version":1,');
  });
});
