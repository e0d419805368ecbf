#!/usr/bin/env node
// Runs src/cli.ts with Node's own type stripping: no build step and no loader. A system Node too old to strip
// types (for example 20) hands over to the Node 24 that `npm install` put in node_modules (the `node` package).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

if (process.features.typescript) {
  await import(cli);
} else {
  const bundled = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (!existsSync(bundled)) {
    console.error(
      `oh-moves needs Node.js 22.18 or newer (this is ${process.version}); run \`npm install\` in the project, ` +
        'which brings Node 24, or install a newer Node.',
    );
    process.exit(1);
  }
  // A small young generation, as `npm start` runs it (docs/performance.md, startup): ~100 MB less resident.
  const child = spawn(bundled, ['--max-semi-space-size=4', cli, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // Ctrl-C and a closed terminal signal the whole process group, the child included: passing those on would make
  // a second signal, which means "stop now". SIGTERM usually comes from a process manager to this process alone.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}
