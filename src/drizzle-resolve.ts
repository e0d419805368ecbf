// Node 24 reads a package's package.json again for every module file it loads from it (to learn the file's module
// format) and copies it whole, which parses the whole "exports" map each time. drizzle-orm's package.json is 179 kB
// and a start loads about 250 of its files: half a second of every start and every short command went there. Its
// files are all ES modules (`"type": "module"`, no package.json below its root) that import each other by relative
// path with the extension, so those imports are resolved here directly. Imported first by the CLI, after the
// compile cache; it covers what the CLI loads after it.
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** drizzle-orm's folder as Node names its modules (real path, so no module is loaded twice under two URLs). */
function drizzleRoot(): string | undefined {
  try {
    return pathToFileURL(fs.realpathSync(path.join(ROOT, 'node_modules', 'drizzle-orm'))).href + '/';
  } catch {
    return undefined; // not installed where expected: Node resolves everything itself
  }
}

const root = drizzleRoot();
if (root)
  module.registerHooks?.({
    resolve(specifier, context, nextResolve) {
      if (
        context.parentURL?.startsWith(root) &&
        (specifier.startsWith('./') || specifier.startsWith('../')) &&
        specifier.endsWith('.js')
      ) {
        const url = new URL(specifier, context.parentURL).href;
        if (url.startsWith(root)) return { url, format: 'module', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
