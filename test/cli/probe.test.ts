/**
 * `mailwire probe` as a subprocess against sinks on 127.0.0.1: capabilities before and after STARTTLS,
 * the certificate, the warnings people need, and the "wrong version number" advice when implicit TLS is
 * used against a STARTTLS port.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, TEST_CERTIFICATE, type SinkServer } from '../../src/sink/index.js';
import type { ProbeReport } from '../../src/cli/probe-run.js';
import { buildCli, closedPort, runCli, type Built } from './cli-harness.js';

let built: Built;
let loose: SinkServer; // STARTTLS, AUTH offered before TLS too
let strict: SinkServer; // STARTTLS, AUTH only after TLS
let implicit: SinkServer; // TLS from the first byte
let plain: SinkServer; // no TLS at all
let dir: string;

beforeAll(async () => {
  built = await buildCli();
  loose = await startSink({ tls: true, auth: { user: 'u', pass: 'p' } });
  strict = await startSink({ tls: true, requireTls: true, auth: { user: 'u', pass: 'p' } });
  implicit = await startSink({ tls: true, implicitTls: true, auth: { user: 'u', pass: 'p' } });
  plain = await startSink({});
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-cli-probe-'));
  await writeFile(path.join(dir, 'ca.pem'), TEST_CERTIFICATE);
});

afterAll(async () => {
  await Promise.all([loose?.close(), strict?.close(), implicit?.close(), plain?.close()]);
});

async function probeJson(args: string[]): Promise<{ code: number | null; report: ProbeReport }> {
  const r = await runCli(built, ['probe', ...args, '--json'], { cwd: dir });
  return { code: r.code, report: JSON.parse(r.stdout) as ProbeReport };
}

describe('mailwire probe', () => {
  it('shows the capabilities before and after STARTTLS, the TLS session and the certificate', async () => {
    const { code, report } = await probeJson([`127.0.0.1:${loose.port}`]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.security).toBe('starttls');
    expect(report.greeting).toMatch(/^220 localhost/);
    expect(report.before?.starttls).toBe(true);
    expect(report.before?.capabilities).toHaveProperty('STARTTLS');
    expect(report.before?.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(report.after?.capabilities).not.toHaveProperty('STARTTLS');
    expect(report.after?.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(report.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(report.tls?.cipher).not.toBe('');
    expect(report.tls?.certificate?.subject).toBe('CN=localhost');
    expect(report.tls?.certificate?.issuer).toBe('CN=localhost');
    expect(report.tls?.certificate?.validTo).toBe('2100-01-01T00:00:00Z');
    expect(report.tls?.certificate?.daysLeft).toBeGreaterThan(365);
    // Not given the CA: the self-signed certificate is reported, not fatal.
    expect(report.tls?.authorized).toBe(false);
    expect(report.tls?.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(report.timings.totalMs).toBeGreaterThan(0);
    expect(report.timings.noopMs).toBeGreaterThanOrEqual(0);
    expect(report.warnings.some((w) => w.startsWith('AUTH (PLAIN LOGIN) is offered before TLS'))).toBe(true);
    expect(report.warnings.some((w) => w.includes('self-signed'))).toBe(true);
  });

  it('with --ca the certificate verifies, and a server that offers AUTH only after TLS gets no warning', async () => {
    const { code, report } = await probeJson([`127.0.0.1:${strict.port}`, '--ca', 'ca.pem']);
    expect(code).toBe(0);
    expect(report.tls?.authorized).toBe(true);
    expect(report.before?.auth).toEqual([]);
    expect(report.after?.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(report.warnings).toEqual([]);
  });

  it('prints a readable report', async () => {
    const r = await runCli(built, ['probe', `127.0.0.1:${loose.port}`], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}before TLS +PIPELINING, .*STARTTLS, AUTH PLAIN LOGIN$/m);
    expect(r.stdout).toMatch(/^ {2}after TLS +PIPELINING, .*AUTH PLAIN LOGIN$/m);
    expect(r.stdout).toMatch(/^ {2}certificate +CN=localhost$/m);
    expect(r.stdout).toMatch(/valid 2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z \(expires in \d+ days\)/);
    expect(r.stdout).toMatch(/NOT verified: DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(r.stdout).toMatch(/^warnings:\n {2}! AUTH \(PLAIN LOGIN\) is offered before TLS/m);
  });

  it('--security tls against a STARTTLS port: "wrong version number" with the fix, exit 1', async () => {
    const { code, report } = await probeJson([`127.0.0.1:${loose.port}`, '--security', 'tls', '--timeout', '5s']);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('ETLS');
    const advice = report.warnings.find((w) => w.startsWith('"wrong version number"'));
    expect(advice).toBeDefined();
    expect(advice).toContain('--security starttls');
    const human = await runCli(built, ['probe', `127.0.0.1:${loose.port}`, '--security', 'tls'], { cwd: dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('FAILED       ETLS');
    expect(human.stdout).toContain('Fix: --security starttls');
  });

  it('STARTTLS (the default) against an implicit-TLS port: no greeting, advice to use --security tls', async () => {
    const { code, report } = await probeJson([`127.0.0.1:${implicit.port}`, '--timeout', '700ms']);
    expect(code).toBe(1);
    expect(report.error).toMatchObject({ code: 'ETIMEDOUT', phase: 'greeting' });
    expect(report.warnings.join('\n')).toContain('--security tls');
  });

  it('probes an implicit-TLS port with --security tls (and port 465 would pick it by default)', async () => {
    const { code, report } = await probeJson([`127.0.0.1:${implicit.port}`, '--security', 'tls', '--ca', 'ca.pem']);
    expect(code).toBe(0);
    expect(report.before).toBeUndefined();
    expect(report.after?.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(report.tls?.authorized).toBe(true);
    expect(report.warnings).toEqual([]);
  });

  it('warns when STARTTLS is not offered; --strict turns warnings into exit 1', async () => {
    const { code, report } = await probeJson([`127.0.0.1:${plain.port}`]);
    expect(code).toBe(0);
    expect(report.tls).toBeUndefined();
    expect(report.warnings.some((w) => w.startsWith('STARTTLS is not offered'))).toBe(true);
    const strictRun = await runCli(built, ['probe', `127.0.0.1:${plain.port}`, '--strict'], { cwd: dir });
    expect(strictRun.code).toBe(1);
  });

  it('nothing listening: exit 1 with the advice', async () => {
    const port = await closedPort();
    const { code, report } = await probeJson([`127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(report.error?.code).toBe('ECONNECTION');
    expect(report.warnings[0]).toContain('nothing is listening');
  });

  it('usage errors exit 2', async () => {
    for (const args of [['probe'], ['probe', '127.0.0.1:0'], ['probe', '127.0.0.1:25', '--security', 'ssl'], ['probe', 'a', 'b']]) {
      const r = await runCli(built, args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toBe('');
    }
  });
});
