import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('runs in sandbox mode with defaults when no credentials are set', () => {
    const c = loadConfig({});
    expect(c.sandbox).toBe(true);
    expect(c.port).toBe(5000);
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.moves.minuteLimit).toBe(60);
    expect(c.moves.hourLimit).toBe(2000);
    expect(c.staleAfterHours).toBe(96);
    expect(c.manualUpdateCooldownMinutes).toBe(60);
    expect(c.moves.redirectUri).toBe('http://127.0.0.1:5000/moves_complete');
  });

  it('reads OH_DATATYPES as a comma-separated list, empty by default', () => {
    expect(loadConfig({}).openHumans.datatypes).toEqual([]);
    expect(loadConfig({ OH_DATATYPES: ' GPS location ,, 12 ' }).openHumans.datatypes).toEqual([
      'GPS location',
      '12',
    ]);
    expect(problemsOf({ OH_DATATYPES: 'x'.repeat(101) }).join()).toMatch(/OH_DATATYPES/);
  });

  it('reads real credentials and derived settings', () => {
    const c = loadConfig({
      OH_CLIENT_ID: 'oh-id',
      OH_CLIENT_SECRET: 'oh-secret',
      MOVES_CLIENT_ID: 'moves-id',
      MOVES_CLIENT_SECRET: 'moves-secret',
      SECRET_KEY: 'x'.repeat(40),
      APP_BASE_URL: 'https://moves.example.org/',
      ADMIN_MEMBER_IDS: '01234567, 12345678',
      MOVES_RATE_SCOPE: 'user',
      DATABASE_URL: 'postgres://localhost/ohm',
    });
    expect(c.sandbox).toBe(false);
    expect(c.mode).toBe('served');
    expect(c.moves.enabled).toBe(true);
    expect(c.appBaseUrl).toBe('https://moves.example.org');
    expect(c.moves.redirectUri).toBe('https://moves.example.org/moves_complete');
    expect(c.adminMemberIds).toEqual(['01234567', '12345678']);
    expect(c.moves.rateScope).toBe('user');
    expect(c.databaseUrl).toBe('postgres://localhost/ohm');
  });

  it('lists every problem at once, each with how to fix it', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MOVES_RATE_SCOPE: 'everyone',
      MOVES_MINUTE_LIMIT: '0',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      LOG_FORMAT: 'xml',
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/PORT: PORT must be a whole number/);
    expect(problems.join('\n')).toMatch(/MOVES_RATE_SCOPE must be "user" or "app"/);
    expect(problems.join('\n')).toMatch(/MOVES_MINUTE_LIMIT must be at least 1/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must be a postgres/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
    expect(problems.join('\n')).toMatch(/LOG_FORMAT must be "pretty", "json" or "auto"/);
  });

  it('requires both Open Humans credentials and a SECRET_KEY outside the sandbox', () => {
    const problems = problemsOf({ OH_CLIENT_ID: 'only-this' });
    expect(problems.filter((p) => /missing/.test(p)).map((p) => p.split(':')[0])).toEqual([
      'OH_CLIENT_SECRET',
    ]);
    expect(problems.some((p) => p.startsWith('SECRET_KEY: required'))).toBe(true);
  });

  it('runs import-only with Open Humans credentials and no Moves credentials', () => {
    const c = loadConfig({
      OH_CLIENT_ID: 'oh-id',
      OH_CLIENT_SECRET: 'oh-secret',
      SECRET_KEY: 'x'.repeat(40),
    });
    expect(c.sandbox).toBe(false);
    expect(c.mode).toBe('import-only');
    expect(c.moves.enabled).toBe(false);
    expect(loadConfig({}).moves.enabled).toBe(true);
    expect(loadConfig({}).mode).toBe('sandbox');
  });

  it('refuses Moves credentials without Open Humans ones, and half a pair of Moves credentials', () => {
    const onlyMoves = problemsOf({
      MOVES_CLIENT_ID: 'm',
      MOVES_CLIENT_SECRET: 's',
      SECRET_KEY: 'x'.repeat(40),
    });
    expect(onlyMoves.map((p) => p.split(':')[0])).toEqual(['OH_CLIENT_ID', 'OH_CLIENT_SECRET']);
    const halfMoves = problemsOf({
      OH_CLIENT_ID: 'o',
      OH_CLIENT_SECRET: 's',
      MOVES_CLIENT_ID: 'm',
      SECRET_KEY: 'x'.repeat(40),
    });
    expect(halfMoves.map((p) => p.split(':')[0])).toEqual(['MOVES_CLIENT_SECRET']);
  });

  it('rejects a short SECRET_KEY and hides secret values in the message', () => {
    let message = '';
    try {
      loadConfig({ SECRET_KEY: 'short-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/SECRET_KEY must be at least 32 characters/);
    expect(message).not.toContain('short-secret');
    expect(message).toMatch(/README.md lists every setting/);
  });

  it('has upload budgets by default, and refuses a disk budget smaller than the largest upload', () => {
    expect(loadConfig({})).toMatchObject({
      importMaxBytes: 2 * 1024 ** 3,
      importDiskBudgetBytes: 10 * 1024 ** 3,
      importMaxConcurrent: 8,
      importStallMs: 60_000,
    });
    expect(loadConfig({ IMPORT_STALL_SECONDS: '0.5' }).importStallMs).toBe(500);
    expect(() => loadConfig({ IMPORT_MAX_BYTES: '4096', IMPORT_DISK_BUDGET_BYTES: '2048' })).toThrow(
      /IMPORT_DISK_BUDGET_BYTES: must be at least IMPORT_MAX_BYTES/,
    );
  });
});
