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

export { DEFAULT_DIST };
