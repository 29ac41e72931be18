/**
 * The CommonJS half of dist/ (dist/cjs), for require('mailwire') and require('mailwire/nodemailer').
 *
 * esbuild cannot split a CommonJS bundle into chunks, and two separate bundles would each carry their own
 * copy of the core (two SmtpTransport classes, two of every module-level cache). So both entries live in
 * one file, dist/cjs/bundle.js, and the two entry files only pick their half out of it:
 * - the main entry's modules are evaluated when dist/cjs/index.js is required;
 * - the nodemailer compat entry, and every module the sources load with `await import()` (the audit, the
 *   sink, DKIM, proxies, SASL, ...), sit in the same file but wrapped in functions that esbuild runs on
 *   first use, so they cost parsing only, not evaluation (V8 compiles a function when it first runs).
 * One file instead of tsc's one file per module is what makes require() faster; see
 * docs/memory-and-startup.md.
 *
 * The declarations (dist/cjs/*.d.ts) still come from tsc (tsconfig.cjs.json, declarations only), and
 * dist/cjs/package.json marks the folder as CommonJS for Node and TypeScript (the root package.json says
 * "type": "module").
 *
 * Usage: node scripts/build-cjs.mjs [outdir]   (default dist/cjs)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The bundle's own entry: one function per entry point, which initialises that entry's modules on its
// first call (esbuild turns a require() of one of the sources into a lazy init of that module) and returns
// its exports marked __esModule, as tsc's CommonJS output was (for `import x from` in transpiled code).
const BUNDLE_ENTRY = `
export const main = () => require('./index.ts');
export const nodemailer = () => require('./compat/nodemailer/index.ts');
`;

export async function buildCjs(outdir = path.join(ROOT, 'dist/cjs')) {
  await build({
    absWorkingDir: ROOT,
    stdin: { contents: BUNDLE_ENTRY, resolveDir: path.join(ROOT, 'src'), sourcefile: 'cjs-bundle-entry.ts', loader: 'ts' },
    outfile: path.join(outdir, 'bundle.js'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'es2022',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    minify: false,
    // tsconfig.cjs.json emitted no source maps for the CommonJS half; neither does this.
    sourcemap: false,
    packages: 'external',
    logLevel: 'warning',
  });
  writeFileSync(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  writeEntry(outdir, 'index.js', 'main');
  mkdirSync(path.join(outdir, 'compat/nodemailer'), { recursive: true });
  writeEntry(outdir, 'compat/nodemailer/index.js', 'nodemailer');
}

/**
 * An entry file that names each export (`exports.x = m.x`), as tsc's output did, rather than
 * `module.exports = ...`: tools read CommonJS exports without running the code (Node's cjs-module-lexer for
 * `import { x }` of a CommonJS file, arethetypeswrong checking the default export against the types), and
 * only this form shows them. The names are read from the bundle just built.
 */
function writeEntry(outdir, file, half) {
  const bundle = path.relative(path.dirname(path.join(outdir, file)), path.join(outdir, 'bundle.js')).replace(/^(?!\.)/, './');
  const names = Object.keys(createRequire(import.meta.url)(path.join(outdir, 'bundle.js'))[half]());
  const lines = [
    '"use strict";',
    `// The code is in ${bundle} (scripts/build-cjs.mjs says why).`,
    'Object.defineProperty(exports, "__esModule", { value: true });',
    `const m = require(${JSON.stringify(bundle)}).${half}();`,
    ...names.map((name) => `exports.${name} = m.${name};`),
  ];
  writeFileSync(path.join(outdir, file), `${lines.join('\n')}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCjs(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}
