// Starts Debian's redis-server on 127.0.0.1, on a free port, in a temp dir, with no persistence; the
// caller stops it. Plain .mjs so the bench (node, no TypeScript) shares it with the tests.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REDIS_SERVER = process.env.MW_REDIS_SERVER ?? '/usr/bin/redis-server';

export function redisAvailable() {
  return spawnSync(REDIS_SERVER, ['--version']).status === 0;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** @returns {Promise<{ port: number, url: string, stop: () => Promise<void> }>} */
export async function startRedis() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mw-redis-'));
  for (let tries = 0; ; tries += 1) {
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    // If this process ends without stop() (a test runner tearing down early), the server goes with it.
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    const up = await waitListening(port, child);
    if (up) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          if (child.exitCode === null) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await exited;
          }
          process.off('exit', orphanGuard);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    if (tries >= 3) throw new Error(`redis-server did not start: ${output}`);
  }
}

async function waitListening(port, child) {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => { sock.end('PING\r\n'); resolve(true); });
      sock.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
