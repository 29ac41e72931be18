/**
 * The ES module build as it ships (scripts/build-esm.mjs, built into a private directory by the CLI tests'
 * harness): a fresh process that imports dist/index.js reads few files of ours (Node's ESM loader pays
 * for each file), the features the sources load with `await import()` still come only on first use, and
 * the entries share one copy of the core.
 *
 * Each check runs in a child process with a module-loading hook that appends every file:// URL Node loads
 * to a log, so only this package's files count, never the test runner's.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink } from '../../src/sink/index.js';
import { buildCli, runCli, type Built } from '../cli/cli-harness.js';

let built: Built;
let dir = '';

beforeAll(async () => {
  built = await buildCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mailwire-bundle-'));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` (an ES module's source) with `loaded()` available: the build's files loaded so far. */
function run(body: string): Record<string, unknown> {
  const hook = `import { appendFileSync } from 'node:fs';
    let log;
    export function initialize(data) { log = data.log; }
    export async function load(url, context, next) {
      if (url.startsWith('file:')) appendFileSync(log, url + '\\n');
      return next(url, context);
    }`;
  const log = path.join(dir, `log-${Math.random().toString(36).slice(2)}`);
  const source = `import { register } from 'node:module';
    import { readFileSync, writeFileSync } from 'node:fs';
    writeFileSync(${JSON.stringify(log)}, '');
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { log: ${JSON.stringify(log)} } });
    const root = ${JSON.stringify(pathToFileURL(path.join(built.root, 'dist')).href + '/')};
    const loaded = () => readFileSync(${JSON.stringify(log)}, 'utf8').split('\\n').filter((u) => u.startsWith(root)).map((u) => u.slice(root.length));
    ${body}`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, unknown>;
}

/** The modules behind the lazy features, as src/ paths (test/entry-graph.test.ts checks the sources). */
const LAZY = ['dkim/sign-dkim', 'dkim/sign-prepared', 'sink/server', 'audit/run', 'audit/checks/smuggling', 'sasl/select', 'proxy/connector', 'transport/token-renewal', 'transport/token-source', 'mime/attachments', 'mime/fetch'];

/**
 * The lazy module a loaded file holds, if any. esbuild names the chunk of an `await import()` after its
 * module (`chunks/sign-dkim-AB12CD34.js`); tsc's output keeps the path (`dkim/sign-dkim.js`).
 */
function lazyModule(file: string): string | undefined {
  const chunk = /^chunks\/(.+)-[A-Z0-9]{8}\.js$/.exec(file)?.[1];
  if (chunk !== undefined) return LAZY.find((m) => m.endsWith(`/${chunk}`));
  return LAZY.find((m) => `${m}.js` === file);
}

describe('the bundled ES module build', () => {
  it('import of dist/index.js reads at most 30 files of the package (tsc output: one per module, 86)', () => {
    const r = run(`await import(root + 'index.js'); console.log(JSON.stringify({ files: loaded() }));`);
    const files = r.files as string[];
    expect(files).toContain('index.js');
    expect(files.length).toBeLessThanOrEqual(30);
  });

  it('loads the sink and DKIM signing only when first used', () => {
    const r = run(`
      const m = await import(root + 'index.js');
      const atImport = loaded();
      const sink = await m.startSink({ port: 0 });
      await sink.close();
      const afterSink = loaded();
      const { generateKeyPairSync } = await import('node:crypto');
      const { privateKey } = generateKeyPairSync('ed25519');
      const message = Buffer.from('From: a@example.test\\r\\nTo: b@example.test\\r\\nSubject: x\\r\\n\\r\\nhi\\r\\n');
      const signed = await m.signDkim(message, { domain: 'example.test', selector: 's1', privateKey });
      console.log(JSON.stringify({ atImport, afterSink, afterDkim: loaded(), signed: signed.toString('latin1').startsWith('DKIM-Signature:') }));`);
    const atImport = r.atImport as string[];
    expect(atImport.filter((f) => lazyModule(f) !== undefined)).toEqual([]);
    const sinkFiles = (r.afterSink as string[]).filter((f) => !atImport.includes(f));
    expect(sinkFiles.map(lazyModule)).toContain('sink/server');
    const dkimFiles = (r.afterDkim as string[]).filter((f) => !(r.afterSink as string[]).includes(f));
    expect(dkimFiles.map(lazyModule)).toContain('dkim/sign-dkim');
    expect(r.signed).toBe(true);
  });

  it('the nodemailer compat entry and the main entry share one copy of the core', () => {
    const r = run(`
      const m = await import(root + 'index.js');
      const nm = await import(root + 'compat/nodemailer/index.js');
      const t = nm.createTransport({ host: '127.0.0.1', port: 1 });
      const error = await t.sendMail({ from: 'a@example.test', to: 'bad\\r\\naddress', text: 'x' }).then(() => undefined, (e) => e);
      await t.close?.();
      console.log(JSON.stringify({ transport: t.mailwire.constructor === m.SmtpTransport, error: error?.constructor === m.SmtpError }));`);
    expect(r).toEqual({ transport: true, error: true });
  });

  it('a copy of dist/ on its own (as bench/run.mjs makes one) still finds the bench worker thread', async () => {
    const copy = path.join(dir, 'copy');
    cpSync(path.join(built.root, 'dist'), copy, { recursive: true });
    writeFileSync(path.join(copy, 'package.json'), '{ "type": "module" }\n');
    const sink = await startSink({ discard: true });
    try {
      const r = await runCli({ ...built, cli: path.join(copy, 'cli/bin.js') }, ['bench', `127.0.0.1:${sink.port}`, '-c', '2', '-n', '20', '--workers', '2', '--json'], { timeoutMs: 30_000 });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ workers: 2, messages: { sent: 20, failed: 0 } });
      expect(r.code).toBe(0);
    } finally {
      await sink.close();
    }
  });
});
