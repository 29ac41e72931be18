/** `mailwire audit` in-process against the audit's fake server: exit codes, the verdict, JSON, usage. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { runCli } from '../../src/cli/main.js';
import type { AuditReport } from '../../src/audit/types.js';
import { fakeServer, type FakeServer } from '../audit/fake-server.js';

// The CLI has no flag for how long a quiet server is waited on (1500 ms per read): the fake server answers
// at once, so the audit's own tests use 250 ms, and so does this one (it is about the printing, not timing).
vi.mock('../../src/audit/run.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/audit/run.js')>();
  return { ...real, auditServer: (options: Parameters<typeof real.auditServer>[0]) => real.auditServer({ settleMs: 250, ...options }) };
});

let vulnerable: FakeServer; // smuggling through bare LF, VRFY on
let lowOnly: FakeServer; // VRFY on, nothing else
let trust: string[]; // --ca and --servername for the fake server's certificate
beforeAll(async () => {
  vulnerable = await fakeServer({ endOfData: 'lenient-lf', vrfy: true });
  lowOnly = await fakeServer({ vrfy: true });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-cli-audit-'));
  await writeFile(path.join(dir, 'ca.pem'), TEST_CERTIFICATE);
  trust = ['--ca', path.join(dir, 'ca.pem'), '--servername', 'localhost'];
});
afterAll(async () => {
  await vulnerable.close();
  await lowOnly.close();
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['audit', ...args], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: process.stdin,
    env,
    cwd: process.cwd(),
    interrupted: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

const quick = (): string[] => ['--delay-ms', '0', '--timeout-ms', '3000', ...trust];

describe('mailwire audit', () => {
  it('prints a verdict, then findings by severity with one fix line each, and exits 1 on a high finding', async () => {
    const r = await cli([`127.0.0.1:${vulnerable.port}`, '--to', 'me@local.test', ...quick()]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`audit 127.0.0.1:${vulnerable.port}, security starttls: FAIL (a finding at or above high)`);
    expect(lines[1]).toMatch(/^ {2}3 high, 0 medium, 1 low, \d+ info; \d+ connections in/);
    const high = lines.indexOf('HIGH');
    const low = lines.indexOf('LOW');
    expect(high).toBeGreaterThan(0);
    expect(low).toBeGreaterThan(high);
    expect(lines[high + 1]).toMatch(/^ {2}\[smtp-smuggling:crlf-dot-lf\] SMTP smuggling: /);
    expect(lines[high + 2]).toMatch(/^ {6}fix: accept only <CR><LF>\.<CR><LF>/);
    expect(r.stdout).not.toContain('| C: MAIL FROM'); // evidence only with --evidence
    expect(r.stderr).toBe('');
  });

  it('--evidence prints the transcript lines under each finding', async () => {
    const r = await cli([`127.0.0.1:${lowOnly.port}`, '--evidence', ...quick()]);
    expect(r.stdout).toContain('      | C: VRFY postmaster');
    expect(r.stdout).toContain('      | S: 250 2.1.5 <postmaster@local.test>');
  });

  it('--fail-on decides the exit code', async () => {
    expect((await cli([`127.0.0.1:${lowOnly.port}`, ...quick()])).code).toBe(0);
    expect((await cli([`127.0.0.1:${lowOnly.port}`, '--fail-on', 'medium', ...quick()])).code).toBe(0);
    const low = await cli([`127.0.0.1:${lowOnly.port}`, '--fail-on', 'low', ...quick()]);
    expect(low.code).toBe(1);
    expect(low.stdout.split('\n')[0]).toContain('FAIL (a finding at or above low)');
  });

  it('--json prints the report for CI, and the password is nowhere in it', async () => {
    const r = await cli([`127.0.0.1:${lowOnly.port}`, '--json', '--to', 'me@local.test', '--auth-user', 'u', '--pass-env', 'AUDIT_PASS', ...quick()], { AUDIT_PASS: 'sw0rdfish-secret' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(report.findings.map((f) => f.id)).toContain('vrfy-expn:vrfy');
    expect(report.smuggling?.['lf-dot-lf']).toBe('content');
    expect(r.stdout).not.toContain('sw0rdfish-secret');
    expect(r.stdout).not.toContain(Buffer.from('\0u\0sw0rdfish-secret').toString('base64'));
  });

  it('exits 2 on usage errors and when the server cannot be reached', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['127.0.0.1:25', '--fail-on', 'info'])).code).toBe(2);
    expect((await cli(['127.0.0.1:25', '--auth-user', 'u'])).code).toBe(2);
    expect((await cli(['127.0.0.1:25', '--to', 'a@b.test\r\nRCPT TO:<x@y>'])).code).toBe(2);
    expect((await cli(['127.0.0.1:25', '--auth-user', 'u', '--pass-env', 'UNSET'])).code).toBe(2);
    const closed = await fakeServer({});
    const port = closed.port;
    await closed.close();
    const r = await cli([`127.0.0.1:${port}`, '--security', 'none', ...quick()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/could not audit 127\.0\.0\.1:\d+/);
  });

  it('is listed in the top-level help', async () => {
    let out = '';
    await runCli(['--help'], { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => undefined }, stdin: process.stdin, env: {}, cwd: '.', interrupted: new AbortController().signal });
    expect(out).toMatch(/^ {2}audit {4}check what a server does/m);
  });
});
