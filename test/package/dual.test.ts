/**
 * The package as users get it: `npm pack` (which builds), installed into a fresh project, then loaded with
 * require() from CommonJS and import from ESM, for both entry points. One process loading both copies
 * shows the dual-package hazard is handled: an SmtpError made by either copy is `instanceof` the other's
 * class (the class is branded with Symbol.for), although they are two classes.
 *
 * Slow (packs and installs): run by `npm run test:package` in CI, not by `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let dir = '';

function node(file: string, source: string): string {
  writeFileSync(join(dir, 'app', file), source);
  return execFileSync(process.execPath, [file], { cwd: join(dir, 'app'), encoding: 'utf8' }).trim();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwire-dual-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, stdio: 'ignore' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack made no tarball');
  execFileSync('mkdir', [join(dir, 'app')]);
  writeFileSync(join(dir, 'app', 'package.json'), '{ "name": "app", "private": true }\n');
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--offline', join(dir, tarball)], { cwd: join(dir, 'app'), stdio: 'ignore' });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('require() works from CommonJS, for both entry points', () => {
    const out = node(
      'cjs.cjs',
      `const m = require('mailwire');
       const nm = require('mailwire/nodemailer');
       const e = new m.SmtpError('EAUTH', 'x');
       console.log(JSON.stringify({ ct: typeof m.createTransport, nm: typeof nm.createTransport, nmDefault: typeof nm.default.createTransport, brand: m.SmtpError.is(e), file: require.resolve('mailwire') }));`,
    );
    const r = JSON.parse(out) as Record<string, unknown>;
    expect(r).toMatchObject({ ct: 'function', nm: 'function', nmDefault: 'function', brand: true });
    expect(String(r.file)).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
  });

  it('import works from ESM, for both entry points', () => {
    const out = node(
      'esm.mjs',
      `import * as m from 'mailwire';
       import nodemailer, { createTransport } from 'mailwire/nodemailer';
       console.log(JSON.stringify({ ct: typeof m.createTransport, nm: typeof createTransport, def: typeof nodemailer.createTransport, url: import.meta.resolve('mailwire') }));`,
    );
    const r = JSON.parse(out) as Record<string, unknown>;
    expect(r).toMatchObject({ ct: 'function', nm: 'function', def: 'function' });
    expect(String(r.url)).toMatch(/dist\/index\.js$/);
  });

  it('an SmtpError from one copy is instanceof the other copy\'s class, both ways', () => {
    const out = node(
      'both.mjs',
      `import { createRequire } from 'node:module';
       import * as esm from 'mailwire';
       const cjs = createRequire(import.meta.url)('mailwire');
       const fromCjs = new cjs.SmtpError('EAUTH', 'a');
       const fromEsm = new esm.SmtpError('EAUTH', 'b');
       console.log(JSON.stringify({
         twoClasses: cjs.SmtpError !== esm.SmtpError,
         cjsInEsm: fromCjs instanceof esm.SmtpError, esmInCjs: fromEsm instanceof cjs.SmtpError,
         isBoth: esm.SmtpError.is(fromCjs) && cjs.SmtpError.is(fromEsm),
         plainError: new Error('x') instanceof esm.SmtpError,
       }));`,
    );
    expect(JSON.parse(out)).toEqual({ twoClasses: true, cjsInEsm: true, esmInCjs: true, isBoth: true, plainError: false });
  });

  it('a send error from the CommonJS copy is recognised by the ESM copy', () => {
    const out = node(
      'send.mjs',
      `import { createRequire } from 'node:module';
       import { SmtpError } from 'mailwire';
       const cjs = createRequire(import.meta.url)('mailwire');
       const t = cjs.createTransport({ host: '127.0.0.1', port: 1, security: 'none', retry: { attempts: 1 } });
       try { await t.send({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' }); console.log('sent?'); }
       catch (e) { console.log(JSON.stringify({ is: e instanceof SmtpError, code: e.code })); }
       await t.close();`,
    );
    expect(JSON.parse(out)).toEqual({ is: true, code: 'ECONNECTION' });
  });
});
