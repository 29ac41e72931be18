/**
 * Where the bench loads mailwire from. `bench/run.mjs` copies dist/ to a private directory at start and
 * passes it as MAILWIRE_BENCH_DIST, so a rebuild by someone else during a long run (npm run build starts
 * with rm -rf dist) cannot pull the library out from under a measurement. Run directly, it is ../../dist.
 */
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const DEFAULT_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

let loaded;
export function loadMailwire() {
  loaded ??= import(pathToFileURL(path.join(process.env.MAILWIRE_BENCH_DIST ?? DEFAULT_DIST, 'index.js')).href);
  return loaded;
}

/**
 * For the in-process benches (compose, DKIM): `dist/<entry>` (an entry point: the build is bundled, so
 * internal modules such as mime/index.js are no files of dist/), or the sources when there is no build or
 * MAILWIRE_FROM_SRC=1 (under tsx, which maps the .js names to the .ts sources), so a stale dist/ can be
 * bypassed.
 */
export async function loadBuiltOrSource(entry) {
  if (process.env.MAILWIRE_FROM_SRC !== '1') {
    try {
      return await import(pathToFileURL(path.join(DEFAULT_DIST, entry)).href);
    } catch {
      // No build: fall through to the sources.
    }
  }
  return import(pathToFileURL(path.join(DEFAULT_DIST, '..', 'src', entry)).href);
}

export { DEFAULT_DIST };
