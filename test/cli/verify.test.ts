/** `mailwire verify` as a subprocess against a STARTTLS + AUTH sink on 127.0.0.1. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, TEST_CERTIFICATE, type SinkServer, type SunkMessage } from '../../src/sink/index.js';
import { buildCli, runCli, type Built } from './cli-harness.js';

const PASSWORD = 'verify-pw-123';
let built: Built;
let sink: SinkServer;
let dir: string;
const received: SunkMessage[] = [];

beforeAll(async () => {
  built = await buildCli();
  sink = await startSink({ tls: true, requireTls: true, auth: { user: 'vic', pass: PASSWORD }, onMessage: (m) => void received.push(m) });
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-cli-verify-'));
  await writeFile(path.join(dir, 'ca.pem'), TEST_CERTIFICATE);
});

afterAll(async () => {
  await sink?.close();
});

const conn = (): string[] => ['--host', '127.0.0.1', '--port', String(sink.port), '--ca', 'ca.pem', '--user', 'vic', '--pass-env', 'PW'];

describe('mailwire verify', () => {
  it('checks connect, TLS and AUTH without sending mail, with a clear OK verdict', async () => {
    const before = sink.stats.messages;
    const r = await runCli(built, ['verify', ...conn()], { env: { PW: PASSWORD }, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^OK  127\\.0\\.0\\.1:${sink.port} \\(starttls\\): the configuration works`));
    expect(r.stdout).toMatch(/TLS\s+TLSv1\.[23] \S+, certificate verified/);
    expect(r.stdout).toMatch(/auth\s+PLAIN as vic/);
    expect(sink.stats.messages).toBe(before);
  });

  it('--json gives the report', async () => {
    const r = await runCli(built, ['verify', ...conn(), '--json'], { env: { PW: PASSWORD }, cwd: dir });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, host: '127.0.0.1', port: sink.port, security: 'starttls', authMethod: 'PLAIN' });
    expect((report.tls as { authorized: boolean }).authorized).toBe(true);
    expect(Object.keys(report.capabilities as object)).toContain('AUTH');
    expect(report.greeting).toMatch(/^220 /);
  });

  it('--to sends a test message that names host, port, security and user', async () => {
    const r = await runCli(built, ['verify', ...conn(), '--from', 'ops@example.test', '--to', 'me@example.test'], { env: { PW: PASSWORD }, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/test message <[^>]+> sent to me@example\.test/);
    const m = received.at(-1) as SunkMessage;
    expect(m.to).toEqual(['me@example.test']);
    const raw = m.raw?.toString('utf8') ?? '';
    expect(raw).toContain('Server:   127.0.0.1');
    expect(raw).toContain(`Port:     ${sink.port}`);
    expect(raw).toContain('Security: starttls');
    expect(raw).toContain('User:     vic');
    expect(raw).not.toContain(PASSWORD);
  });

  it('--to without a sender is a usage error', async () => {
    const r = await runCli(built, ['verify', ...conn(), '--to', 'me@example.test'], { env: { PW: PASSWORD }, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--from');
  });

  it('a wrong password is a FAILED verdict with EAUTH, exit 1', async () => {
    const r = await runCli(built, ['verify', ...conn()], { env: { PW: 'not-it' }, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^FAILED  127\\.0\\.0\\.1:${sink.port} \\(starttls\\): EAUTH`));
    expect(r.stderr).toContain('535 5.7.8');
    expect(r.stderr).toContain('hint:');
  });

  it('an untrusted certificate is a FAILED verdict with ETLS and the self-signed advice', async () => {
    const r = await runCli(built, ['verify', '--host', '127.0.0.1', '--port', String(sink.port)], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ETLS');
    expect(r.stderr).toMatch(/self-signed/);
  });
});
