import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, UsageError } from '../../src/cli.ts';

afterEach(() => vi.restoreAllMocks());

describe('command line', () => {
  it('refuses an unknown command with the list of commands', async () => {
    await expect(main(['frobnicate'])).rejects.toThrow(UsageError);
    await expect(main(['frobnicate'])).rejects.toThrow(
      /unknown command "frobnicate"[\s\S]*Commands:[\s\S]*migrate/,
    );
  });

  it('refuses an unknown flag with the command usage', async () => {
    await expect(main(['migrate', '--colour'])).rejects.toThrow(
      /Unknown option '--colour'[\s\S]*oh-moves migrate/,
    );
  });

  it('prints help for every command', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    for (const cmd of ['start', 'web', 'worker', 'migrate']) {
      expect(await main([cmd, '--help'])).toBe(0);
      expect(out.pop()).toMatch(new RegExp(`^Usage: oh-moves ${cmd}`));
    }
    expect(await main(['--help'])).toBe(0);
    expect(out.pop()).toMatch(/Usage: oh-moves <command>/);
  });
});

describe('emulator command', () => {
  it('refuses an unknown emulator name and bad emulator options', async () => {
    await expect(main(['emulator', 'fitbit'])).rejects.toThrow(/say which one, "moves" or "openhumans"/);
    await expect(main(['emulator', 'moves', '--port', 'abc'])).rejects.toThrow(UsageError);
    await expect(main(['emulator', 'openhumans', '--bogus'])).rejects.toThrow(UsageError);
  });
});
