/**
 * The CommonJS build as it ships (scripts/build-cjs.mjs, built into a private directory): require() reads
 * two files of ours, the on-demand parts are not run at require time, and the two CommonJS entries share
 * one copy of the core. Each check runs in a child process (a fresh module cache).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mailwire-cjs-bundle-'));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-cjs.mjs'), path.join(dir, 'cjs')], { cwd: ROOT });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(body: string): Record<string, unknown> {
  const source = `const cjs = ${JSON.stringify(path.join(dir, 'cjs'))} + '/';
    const ours = () => Object.keys(require.cache).filter((f) => f.startsWith(cjs)).map((f) => f.slice(cjs.length));
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', source], { cwd: dir, encoding: 'utf8' })) as Record<string, unknown>;
}

describe('the bundled CommonJS build', () => {
  it('require() of the entry reads two files (tsc output: 86), and not the https client of the lazy parts', () => {
    const r = run(`const m = require(cjs + 'index.js');
      console.log(JSON.stringify({ files: ours(), exports: typeof m.createTransport, https: process.moduleLoadList.includes('NativeModule https') }));`);
    expect(r).toEqual({ files: ['index.js', 'bundle.js'], exports: 'function', https: false });
  });

  it("the nodemailer entry shares the main entry's classes, and has its default export", () => {
    const r = run(`const m = require(cjs + 'index.js');
      const nm = require(cjs + 'compat/nodemailer/index.js');
      const t = nm.createTransport({ host: '127.0.0.1', port: 1 });
      console.log(JSON.stringify({ same: t.mailwire.constructor === m.SmtpTransport, def: nm.default.createTransport === nm.createTransport, esModule: nm.__esModule === true && m.__esModule === true }));
      t.close();`);
    expect(r).toEqual({ same: true, def: true, esModule: true });
  });
});
