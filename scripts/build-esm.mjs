/**
 * The ES module half of dist/: esbuild bundles src/ into a few files instead of tsc's one file per module.
 * Node's ESM loader pays for every module it loads (resolve, read, compile, link), so fewer files make
 * `import('mailwire')` and the `mailwire` command start faster; see docs/memory-and-startup.md.
 *
 * - The entry points keep the paths package.json, the bin and the scripts name (outbase src/ -> dist/).
 *   dist/bench-engine/worker.js is one too: it is started by path as a worker thread (src/package-root.ts finds it).
 * - Code splitting: every `await import()` in src/ stays a separate chunk, loaded on first use, and a module
 *   used by two entries lives once in a shared chunk, so its classes are the same objects from every entry
 *   (an SmtpError from the nodemailer compat entry is `instanceof` the main entry's SmtpError).
 * - Chunks go to dist/chunks/. Code no longer knows its own depth under dist/, which is why the files read or
 *   started by path are found from the package root, never relative to import.meta.url.
 * - No minification: stack traces keep the source's names. Linked source maps without sources content,
 *   as tsc wrote them (they point at src/, which is not in the package).
 * - The declarations (.d.ts, .d.ts.map) still come from tsc (`--emitDeclarationOnly`, run by `npm run build`).
 *
 * Usage: node scripts/build-esm.mjs [outdir]   (default dist; the CLI tests build into a private directory)
 */
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const ENTRY_POINTS = ['index.ts', 'compat/nodemailer/index.ts', 'cli/bin.ts', 'cli/demo.ts', 'bench-engine/worker.ts'];

export async function buildEsm(outdir = path.join(ROOT, 'dist')) {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS.map((entry) => path.join(ROOT, 'src', entry)),
    outbase: path.join(ROOT, 'src'),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // The same language level tsc emits (tsconfig.json), so nothing is down-levelled differently.
    target: 'es2022',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    minify: false,
    // Zero runtime dependencies: anything not relative is a Node built-in and stays an import.
    packages: 'external',
    logLevel: 'warning',
  });
  // The shebang of src/cli/bin.ts is kept by esbuild; the mode bit is not.
  chmodSync(path.join(outdir, 'cli/bin.js'), 0o755);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildEsm(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}
