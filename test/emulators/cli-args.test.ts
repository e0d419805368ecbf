// Both emulator CLIs read --port with the one shared rule: 0 to 65535 in one to five digits.
import { describe, expect, it } from 'vitest';
import { parseMovesEmulatorArgs } from '../../emulators/moves/index.ts';
import { parseOpenHumansEmulatorArgs } from '../../emulators/openhumans/index.ts';

describe.each([
  ['Moves', parseMovesEmulatorArgs],
  ['Open Humans', parseOpenHumansEmulatorArgs],
])('the %s emulator’s --port', (_name, parse) => {
  it('takes 0 to 65535', () => {
    expect(parse(['--port', '0']).port).toBe(0);
    expect(parse(['--port', '8001']).port).toBe(8001);
    expect(parse(['--port', '65535']).port).toBe(65535);
  });

  it('refuses more than five digits, a number over 65535 and anything not a number', () => {
    for (const bad of ['000008001', '65536', '-1', '80.5', 'abc', ''])
      expect(() => parse([`--port=${bad}`]), bad).toThrow(/--port must be a port number from 0 to 65535/);
  });
});
