/**
 * Where the package's own files are at run time, for the few that are read or started by path (the
 * package.json for `--version`, the bench worker thread).
 *
 * A path relative to `import.meta.url` is not enough: the published build is bundled (scripts/build-esm.mjs),
 * so the code of a module lands in an entry file or in a shared chunk, at a depth that depends on which
 * entries use it. The package's root, found by walking up to the package.json named "mailwire", is the
 * same from every file: src/ under the tests, dist/ and its chunks, node_modules/mailwire when installed.
 */
import { readFileSync } from 'node:fs';

let root: URL | undefined;

/** The package's root directory, with a trailing slash. Throws when no mailwire package.json is above. */
export function packageRoot(): URL {
  if (root) return root;
  let dir = new URL('./', import.meta.url);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown };
      if (pkg.name === 'mailwire') return (root = dir);
    } catch {
      // no package.json here (or not JSON): keep walking up
    }
    const up = new URL('../', dir);
    if (up.href === dir.href) throw new Error('mailwire: cannot find its own package.json');
    dir = up;
  }
}

/** A file of the built package by its path under dist/ (the layout scripts/build-esm.mjs keeps). */
export function distFile(relative: string): URL {
  return new URL(`dist/${relative}`, packageRoot());
}
