// The groups of tests that need something beyond npm, and the one line a run prints for each one it skips
// (README, "Requirements"): Chromium for the browser tests, a PostgreSQL server for the served-mode tests.
import fs from 'node:fs';

/** The Chromium the browser tests drive: Debian's, or CHROMIUM_PATH. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** One line per group of tests this environment skips, saying why and how to include it. */
export function skippedGroups(
  env: NodeJS.ProcessEnv = process.env,
  exists: (file: string) => boolean = fs.existsSync,
): string[] {
  const lines: string[] = [];
  if (!env.TEST_DATABASE_URL)
    lines.push(
      'PostgreSQL tests skipped: TEST_DATABASE_URL is not set (set it to postgres://user@host:5432/db of a ' +
        'server where that user may create databases to include them)',
    );
  const chromium = chromiumPath(env);
  if (!exists(chromium))
    lines.push(
      `browser tests skipped: no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
    );
  return lines;
}
