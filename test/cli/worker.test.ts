/**
 * `mailwire worker`, in-process: without @mailwire/bullmq installed (the core's own tree never has it) it
 * exits 2 saying what to install; with an integration it starts a worker and closes it on interrupt.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { workerCommand } from '../../src/cli/worker.js';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

function io(interrupted = new AbortController().signal): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stdin: new PassThrough(),
    env: {},
    cwd: process.cwd(),
    interrupted,
    out: () => out,
    err: () => err,
  };
}

const ARGS = ['--redis', 'redis://127.0.0.1:1', '--host', '127.0.0.1', '--port', '2525', '--security', 'none'];

describe('mailwire worker', () => {
  it('exits 2 naming the packages to install when @mailwire/bullmq is missing', async () => {
    const cli = io();
    const code = await runCli(['worker', ...ARGS], cli);
    expect(code).toBe(2);
    expect(cli.err()).toContain('@mailwire/bullmq is not installed');
    expect(cli.err()).toContain('npm install @mailwire/bullmq bullmq');
  });

  it('refuses a missing or non-redis URL before loading anything', async () => {
    const loads: string[] = [];
    const load = async (name: string) => void loads.push(name);
    await expect(workerCommand(['--host', '127.0.0.1'], io(), load)).rejects.toThrow(/--redis URL is required/);
    await expect(workerCommand(['--redis', 'http://x'], io(), load)).rejects.toThrow(/redis:\/\//);
    expect(loads).toEqual([]);
  });

  it('starts the integration with the queue, concurrency and a transport, and closes it on interrupt', async () => {
    const stop = new AbortController();
    const cli = io(stop.signal);
    const seen: Array<Record<string, unknown>> = [];
    let closed = false;
    const integration = {
      startMailWorker(options: Record<string, unknown>) {
        seen.push(options);
        setTimeout(() => stop.abort(), 10);
        return { id: 'w1', close: async () => void (closed = true) };
      },
    };
    const code = await workerCommand([...ARGS, '--name', 'outbox', '--concurrency', '3'], cli, async () => integration);
    expect(code).toBe(0);
    expect(closed).toBe(true);
    expect(seen[0]).toMatchObject({ connection: 'redis://127.0.0.1:1', name: 'outbox', concurrency: 3 });
    expect(typeof (seen[0]?.transport as { send?: unknown }).send).toBe('function');
    expect(cli.err()).toContain('queue "outbox", concurrency 3');
  });
});
