/**
 * `mailwire worker` end to end: the core's CLI finds this package the way an application's node_modules
 * would hold both (mailwire and @mailwire/bullmq side by side), sends a queued message to the sink, and
 * stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { startSink, type SunkMessage } from 'mailwire';
import { createMailQueue } from '../src/index.js';
import { later, uniqueName, until, useRedis } from './helpers/setup.js';

const redis = useRedis();
const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORE = path.resolve(PACKAGE, '../..');

it('mailwire worker sends what createMailQueue queued, and exits 0 on SIGTERM', async () => {
  const messages: SunkMessage[] = [];
  const sink = await startSink({ onMessage: (m) => messages.push(m) });
  later(() => sink.close());
  // An application's node_modules: both packages side by side (links, kept as links by --preserve-symlinks).
  const app = mkdtempSync(path.join(os.tmpdir(), 'mw-app-'));
  later(async () => rmSync(app, { recursive: true, force: true }));
  mkdirSync(path.join(app, 'node_modules/@mailwire'), { recursive: true });
  symlinkSync(CORE, path.join(app, 'node_modules/mailwire'));
  symlinkSync(PACKAGE, path.join(app, 'node_modules/@mailwire/bullmq'));
  writeFileSync(path.join(app, 'smtp.json'), JSON.stringify({ host: '127.0.0.1', port: sink.port, security: 'none' }));

  const name = uniqueName();
  const q = createMailQueue({ connection: redis.url, name });
  later(() => q.close());
  await q.enqueue({ from: 'a@example.com', to: 'b@example.com', subject: 'from the CLI worker', text: 'hi' });

  const bin = path.join(app, 'node_modules/mailwire/dist/cli/bin.js');
  const child = spawn(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', bin, 'worker', '--redis', redis.url, '--config', 'smtp.json', '--name', name, '--concurrency', '2'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  later(async () => child.kill('SIGKILL'));
  await until(async () => (await q.stats()).completed === 1, `the CLI worker to send (stderr: ${stderr})`);
  expect(messages.map((m) => m.to)).toEqual([['b@example.com']]);
  expect(stderr).toContain(`queue "${name}", concurrency 2`);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
