/** `mailwire sink` as a subprocess (saves .eml, says where, stops on Ctrl+C) and the `npm run demo` program. */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/transport.js';
import { TEST_CERTIFICATE } from '../../src/sink/index.js';
import { buildCli, runCli, spawnCli, startCliSink, type Built } from './cli-harness.js';

let built: Built;

beforeAll(async () => {
  built = await buildCli();
});

describe('mailwire sink', () => {
  it('saves every message as an .eml, reports where, and stops cleanly on SIGINT', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-cli-sink-'));
    const sink = await startCliSink(built, ['--dir', dir, '--tls', '--auth', 'tess:pw1']);
    const listening = sink.events[0] as Record<string, unknown>;
    expect(listening).toMatchObject({ event: 'listening', host: '127.0.0.1', dir, tls: true, auth: true });
    const transport = createTransport({
      host: '127.0.0.1',
      port: sink.port,
      auth: { user: 'tess', pass: 'pw1' },
      tls: { ca: TEST_CERTIFICATE },
      from: 'a@example.test',
    });
    try {
      await transport.send({ to: 'b@example.test', subject: 'one', text: 'first' });
      await transport.send({ to: ['c@example.test', 'd@example.test'], subject: 'two', text: 'second' });
    } finally {
      await transport.close();
    }
    const messages = await sink.messages(2);
    expect(messages.map((m) => m.to)).toEqual([['b@example.test'], ['c@example.test', 'd@example.test']]);
    expect(messages.every((m) => m.secure === true && m.authUser === 'tess')).toBe(true);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
    expect(files).toHaveLength(2);
    expect(messages.map((m) => path.basename(String(m.path))).sort()).toEqual(files);
    const first = await readFile(String(messages[0]?.path), 'utf8');
    expect(first).toMatch(/^Subject: one\r$/m);
    expect(first).toContain('first');
    expect(await sink.stop()).toBe(0);
    expect(sink.events.at(-1)).toMatchObject({ event: 'stopped', messages: 2 });
  });

  it('prints where it listens and saves in human mode', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-cli-sink-'));
    const child = spawnCli(built.cli, ['sink', '--port', '0', '--dir', dir]);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (out.includes('press Ctrl+C')) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
    const port = Number(/listening on smtp:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    expect(out).toContain(`saving messages to ${dir}`);
    const transport = createTransport({ host: '127.0.0.1', port, security: 'none', from: 'a@example.test' });
    await transport.send({ to: 'b@example.test', subject: 'x', text: 'y' });
    await transport.close();
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the "saved" line arrive
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    const [file] = await readdir(dir);
    expect(out).toContain(`saved ${path.join(dir, String(file))}`);
    expect(out).toMatch(/mailwire sink stopped: 1 messages/);
  });

  it('usage errors exit 2', async () => {
    for (const args of [['sink', '--auth', 'nocolon'], ['sink', '--cert', 'x.pem'], ['sink', '--port', '70000'], ['sink', '--tsl']]) {
      const r = await runCli(built, args);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});

describe('the demo (npm run demo)', () => {
  it('runs end to end on loopback and exits 0', async () => {
    const child = spawnCli(built.demo, [], { env: { MAILWIRE_DEMO_BENCH_SECONDS: '1' } });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/C: STARTTLS/);
    expect(out).toMatch(/C: AUTH PLAIN <redacted>/);
    expect(out).not.toMatch(/AUTH PLAIN [A-Za-z0-9+/]{8,}/);
    const eml = /(\S+\.eml) \(\d+ bytes/.exec(out)?.[1];
    expect(eml).toBeDefined();
    const raw = await readFile(String(eml), 'utf8');
    expect(raw).toContain('multipart/alternative');
    expect(raw).toContain('filename=numbers.csv');
    expect(out).toMatch(/before TLS .*STARTTLS/);
    expect(out).toMatch(/after TLS .*AUTH PLAIN LOGIN/);
    expect(out).toMatch(/messages +[\d,]+ sent, 0 failed in /);
    expect(out).toContain('sink stopped');
  });
});
