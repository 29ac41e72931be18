/**
 * Where the package's own files are at run time, for the few that are read or started by path (the
 * package.json for `--version`, the bench worker thread).
 *
 * A path relative to `import.meta.url` is not enough: the published build is bundled (scripts/build-esm.mjs),
 * so the code of a module lands in an entry file or in a shared chunk (dist/chunks/), at a depth that
 * depends on which entries use it. Both functions below walk up from wherever the code is instead.
 */
import { existsSync, readFileSync } from 'node:fs';

let root: URL | undefined;

/**
 * The package's root directory (with a trailing slash): the nearest one above with a package.json named
 * "mailwire". The same from src/ under the tests, dist/ and its chunks, and node_modules/mailwire.
 * Throws when there is none (a copy of dist/ on its own).
 */
export function packageRoot(): URL {
  if (root) return root;
  for (const dir of upFrom(new URL('./', import.meta.url))) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown };
      if (pkg.name === 'mailwire') return (root = dir);
    } catch {
      // no package.json here (or not JSON): keep walking up
    }
  }
  throw new Error('mailwire: cannot find its own package.json');
}

/**
 * A file of the build by its path under dist/ (`bench-engine/worker.js`, an entry point the build keeps
 * at that path): the first directory above this code that has it. Going up from a chunk reaches dist/
 * within a step, also in a copy of dist/ without the package around it; the search stops at the first
 * directory with a package.json (the package's edge) so it never finds somebody else's file.
 */
export function builtFile(relative: string): URL {
  for (const dir of upFrom(new URL('./', import.meta.url))) {
    const file = new URL(relative, dir);
    if (existsSync(file)) return file;
    if (existsSync(new URL('package.json', dir))) break;
  }
  throw new Error(`mailwire: cannot find ${relative} of its build (run from the sources? build with npm run build)`);
}

function* upFrom(dir: URL): Generator<URL> {
  for (;;) {
    yield dir;
    const up = new URL('../', dir);
    if (up.href === dir.href) return;
    dir = up;
  }
}
