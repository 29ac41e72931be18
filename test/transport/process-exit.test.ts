/**
 * An idle pool must not keep the process alive: a script that sends and never calls close() still exits
 * by itself (idle sockets are unref'd, idle timers too).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type SinkServer } from '../../src/sink/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let server: SinkServer;
let count = 0;

beforeAll(async () => {
  server = await startSink({ onMessage: () => (count += 1) });
});
afterAll(async () => {
  await server?.close();
});

/**
 * Runs `body` (a module that imports createTransport from the sources) as a child process with PORT set to
 * the sink's, and reports how it ended. The 15 s bound is far below any idle timeout the scripts use: a
 * child still running then is killed and reported as exit -1.
 */
async function runScript(name: string, body: string): Promise<{ exit: number | null; stdout: string; stderr: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-exit-'));
  const script = path.join(dir, name);
  const entry = path.join(root, 'src/index.ts');
  await writeFile(script, `import { createTransport } from ${JSON.stringify(entry)};\n${body}`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, PORT: String(server.port) } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(-1);
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { exit, stdout, stderr };
}

describe('process lifetime', () => {
  it('a script that sends without close() exits on its own, long before the idle timeout', async () => {
    // The idle timeout is 10 minutes: only an unref'd pool lets the child end within runScript's bound.
    const { exit, stdout, stderr } = await runScript(
      'send.mts',
      `const t = createTransport({ host: '127.0.0.1', port: Number(process.env.PORT), security: 'none', pool: { idleTimeoutMs: 600000 } });
       await t.send({ from: 'a@example.com', to: 'b@example.com', subject: 'exit', text: 'x' });
       console.log('sent');`,
    );
    expect(stdout, stderr).toContain('sent');
    expect(exit).toBe(0);
    expect(count).toBe(1);
  });

  it('a send waiting for its rate-limit slot keeps the process alive until it is sent', async () => {
    // Before, the limiter's wait was an unref'd timer and the idle pooled socket is unref'd too: nothing kept
    // the loop alive, so the script ended (exit code 13, an unsettled await) after the first message.
    const before = count;
    const { exit, stdout, stderr } = await runScript(
      'rate.mts',
      `const t = createTransport({ host: '127.0.0.1', port: Number(process.env.PORT), security: 'none', rateLimit: { messages: 1, perMs: 300 } });
       for (let i = 0; i < 2; i++) await t.send({ from: 'a@example.com', to: 'b@example.com', subject: 'rate', text: 'x' });
       await t.close();
       console.log('sent both');`,
    );
    expect(stdout, stderr).toContain('sent both');
    expect(exit).toBe(0);
    expect(count - before).toBe(2);
  });
});
