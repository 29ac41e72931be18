/** `mailwire bench` as a subprocess against sinks on 127.0.0.1: the JSON shape, and counts that add up. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, TEST_CERTIFICATE, type SinkServer } from '../../src/sink/index.js';
import type { BenchResult } from '../../src/bench-engine/types.js';
import { buildCli, closedPort, runCli, type Built } from './cli-harness.js';

let built: Built;
let sink: SinkServer;
let secure: SinkServer;
let picky: SinkServer;
let dir: string;

beforeAll(async () => {
  built = await buildCli();
  sink = await startSink({ discard: true });
  secure = await startSink({ discard: true, tls: true, requireTls: true, auth: { user: 'b', pass: 'bench-pw' } });
  // Refuses every 4th message's recipient: the messages fail with EENVELOPE, the sessions go on.
  let n = 0;
  picky = await startSink({ discard: true, refuseRecipients: () => ++n % 4 === 0 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-cli-bench-'));
  await writeFile(path.join(dir, 'ca.pem'), TEST_CERTIFICATE);
});

afterAll(async () => {
  await Promise.all([sink?.close(), secure?.close(), picky?.close()]);
});

async function bench(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; result: BenchResult; stderr: string }> {
  const r = await runCli(built, ['bench', ...args, '--json'], { cwd: dir, env, timeoutMs: 30_000 });
  return { code: r.code, result: JSON.parse(r.stdout) as BenchResult, stderr: r.stderr };
}

describe('mailwire bench', () => {
  it('--json: the full shape, and every message accounted for (sink agrees)', async () => {
    const before = sink.stats.messages;
    const { code, result, stderr } = await bench([`127.0.0.1:${sink.port}`, '--connections', '3', '--messages', '300', '--size', '2k', '--recipients', '2']);
    expect(code).toBe(0);
    expect(stderr).toBe(''); // stderr is not a TTY: no progress bar
    expect(result).toMatchObject({
      target: { host: '127.0.0.1', port: sink.port, security: 'opportunistic' },
      connections: 3,
      workers: 1,
      pipelining: true,
      size: 2048,
      recipients: 2,
      messages: { requested: 300, attempted: 300, sent: 300, failed: 0, notAttempted: 0 },
      errors: {},
      connectionErrors: {},
      sessionsOpened: 3,
      interrupted: false,
    });
    expect(sink.stats.messages - before).toBe(300);
    expect(result.bytes).toBeGreaterThanOrEqual(300 * 2000);
    expect(result.bytes).toBeLessThanOrEqual(300 * 2100);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.throughput.messagesPerSec).toBeGreaterThan(0);
    const l = result.latencyMs;
    expect(l).not.toBeNull();
    if (l) {
      expect(l.min).toBeLessThanOrEqual(l.p50);
      expect(l.p50).toBeLessThanOrEqual(l.p95);
      expect(l.p95).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.max);
    }
  });

  it('--no-pipelining and --workers 2 still deliver every message', async () => {
    const before = sink.stats.messages;
    const a = await bench([`127.0.0.1:${sink.port}`, '-c', '2', '-n', '101', '--no-pipelining']);
    expect(a.code).toBe(0);
    expect(a.result.pipelining).toBe(false);
    expect(a.result.messages.sent).toBe(101);
    const b = await bench([`127.0.0.1:${sink.port}`, '-c', '3', '-n', '200', '--workers', '2']);
    expect(b.code).toBe(0);
    expect(b.result.workers).toBe(2);
    expect(b.result.messages).toMatchObject({ attempted: 200, sent: 200, failed: 0 });
    expect(b.result.sessionsOpened).toBe(3);
    expect(sink.stats.messages - before).toBe(301);
  });

  it('runs against STARTTLS + AUTH with a trusted certificate', async () => {
    const { code, result } = await bench([`127.0.0.1:${secure.port}`, '--security', 'starttls', '--ca', 'ca.pem', '--user', 'b', '--pass-env', 'BP', '-c', '2', '-n', '50'], { BP: 'bench-pw' });
    expect(code).toBe(0);
    expect(result.messages.sent).toBe(50);
  });

  it('a duration bounds the run instead of a count', async () => {
    const { code, result } = await bench([`127.0.0.1:${sink.port}`, '-c', '2', '--duration', '600ms']);
    expect(code).toBe(0);
    expect(result.messages.requested).toBeNull();
    expect(result.messages.sent).toBeGreaterThan(0);
    expect(result.messages.attempted).toBe(result.messages.sent + result.messages.failed);
  });

  it('refused messages are counted by code, and the counts add up; exit 1', async () => {
    const { code, result } = await bench([`127.0.0.1:${picky.port}`, '-c', '2', '-n', '80']);
    expect(code).toBe(1);
    expect(result.messages.attempted).toBe(80);
    expect(result.messages.sent + result.messages.failed).toBe(80);
    expect(result.messages.failed).toBeGreaterThan(0);
    expect(result.errors).toEqual({ EENVELOPE: result.messages.failed });
    expect(result.errorMessages.EENVELOPE).toContain('550');
  });

  it('a server that is not there: sessions give up, nothing attempted, exit 1', async () => {
    const port = await closedPort();
    const { code, result } = await bench([`127.0.0.1:${port}`, '-c', '2', '-n', '10']);
    expect(code).toBe(1);
    expect(result.messages).toMatchObject({ requested: 10, attempted: 0, sent: 0, notAttempted: 10 });
    expect(result.connectionErrors.ECONNECTION).toBe(6); // 2 sessions x 3 tries
    expect(result.latencyMs).toBeNull();
  });

  it('twenty sessions opening at once print no listener-leak warning', async () => {
    const { code, result, stderr } = await bench([`127.0.0.1:${sink.port}`, '-c', '20', '-n', '100']);
    expect(code).toBe(0);
    expect(result.messages.sent).toBe(100);
    expect(stderr).not.toContain('MaxListenersExceededWarning');
  });

  it('prints a human summary', async () => {
    const r = await runCli(built, ['bench', `127.0.0.1:${sink.port}`, '-c', '1', '-n', '20'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}messages +20 sent, 0 failed of 20 in /m);
    expect(r.stdout).toMatch(/^ {2}latency +p50 .* · p95 .* · p99 .* · max /m);
    expect(r.stdout).toMatch(/^ {2}errors +none$/m);
  });

  it('usage errors exit 2', async () => {
    for (const args of [['bench'], ['bench', '127.0.0.1:25', '--connections', '0'], ['bench', '127.0.0.1:25', '--size', 'big'], ['bench', '127.0.0.1:25', '--duration', 'soon'], ['bench', '127.0.0.1:25', '--pipelining']]) {
      const r = await runCli(built, args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('--engine: pump by default, client on request (both deliver everything); anything else is a usage error naming the flag', async () => {
    for (const engine of [undefined, 'pump', 'client'] as const) {
      const before = sink.stats.messages;
      const { code, result } = await bench([`127.0.0.1:${sink.port}`, '--connections', '2', '--messages', '120', ...(engine ? ['--engine', engine] : [])]);
      expect(code).toBe(0);
      expect(result.engine).toBe(engine ?? 'pump');
      expect(result.messages).toMatchObject({ sent: 120, failed: 0 });
      expect(sink.stats.messages - before).toBe(120);
    }
    const bad = await runCli(built, ['bench', `127.0.0.1:${sink.port}`, '--engine', 'turbo'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--engine must be one of pump, client');
    const help = await runCli(built, ['bench', '--help'], { cwd: dir });
    expect(help.stdout).toContain('--engine E');
  });
});
