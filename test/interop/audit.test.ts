// mailwire audit against real servers on loopback. Each case says what is published about the server's
// version and checks the audit's report (and, for smuggling, the messages the server really stored)
// against it. The audit sees only the servers' behaviour; this file also reads their mailboxes.
//
// Servers: the harness Postfix 3.7.11 (5525, smtpd_forbid_bare_newline at its 3.7 default "no"; 5587
// submission), a second Postfix instance from servers.d/postfix-strict-up.sh (5526 "reject", 5527
// "normalize"), aiosmtpd 1.4.3-1.1+deb12u1 (5700 plain, 5701 STARTTLS), smtp-server from npm, and
// mailwire's own sink.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { auditServer, type AuditOptions, type AuditReport } from '../../src/index.js';
import { runCli } from '../../src/cli/main.js';
import { startSink } from '../../src/sink/index.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { startSmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { requireServers, uniqueToken } from './harness.js';

const servers = requireServers();
const strict = strictPostfix();
const LF_VARIANTS = ['lf-dot-lf', 'lf-dot-crlf', 'crlf-dot-lf'];
const ALL_VARIANTS = [...LF_VARIANTS, 'cr-dot-cr', 'cr-dot-crlf', 'crlf-dot-cr', 'cr-dot-lf', 'lf-dot-cr', 'crlf-nul-dot-crlf', 'crlf-dot-nul-crlf'];
const cleanup: string[] = [];
afterAll(() => {
  for (const file of cleanup) rmSync(file, { force: true });
});

function strictPostfix(): { reject: number; normalize: number; maildir: string } {
  const file = join(servers.dir, 'postfix-strict.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} is missing: the strict Postfix instance is not up (run test/interop/servers-up.sh as root; it starts servers.d/postfix-strict-up.sh)`);
  }
  const get = (key: string): string => /^(\w+)=(.*)$/m.exec(text.split('\n').find((l) => l.startsWith(`${key}=`)) ?? '')?.[2] ?? '';
  return { reject: Number(get('MW_PORT_POSTFIX_REJECT')), normalize: Number(get('MW_PORT_POSTFIX_NORMALIZE')), maildir: get('MW_MAILDIR_POSTFIX_STRICT') };
}

const tls = { ca: servers.tls.caPem, servername: servers.tls.serverName };

function audit(port: number, options: Partial<AuditOptions> = {}): Promise<AuditReport> {
  return auditServer({ host: servers.host, port, security: 'none', tls, settleMs: 1000, ...options });
}

/** The Maildir files delivered to `to` (Postfix writes Delivered-To), once `count` are there. */
async function delivered(maildir: string, to: string, count: number): Promise<string[]> {
  const dir = join(maildir, 'new');
  let found: string[] = [];
  for (let i = 0; i < 100; i++) {
    found = readdirSync(dir)
      .map((f) => join(dir, f))
      .filter((f) => readFileSync(f, 'latin1').includes(`Delivered-To: ${to}\n`));
    if (found.length >= count) break;
    await sleep(100);
  }
  await sleep(300); // and no more than that
  found = readdirSync(dir).map((f) => join(dir, f)).filter((f) => readFileSync(f, 'latin1').includes(`Delivered-To: ${to}\n`));
  cleanup.push(...found);
  return found;
}

const subjects = (files: string[]): string[] =>
  files.map((f) => /^Subject: (.*)$/m.exec(readFileSync(f, 'latin1'))?.[1] ?? '').sort();

const high = (report: AuditReport): string[] => report.findings.filter((f) => f.severity === 'high').map((f) => f.id).sort();

describe('mailwire audit against real servers', { timeout: 90_000 }, () => {
  // Postfix's announcement (https://www.postfix.org/smtp-smuggling.html) and the Debian changelog of
  // 3.7.10-0+deb12u1: Postfix < 3.9 defaults to smtpd_forbid_bare_newline = no, and then takes a bare
  // <LF> as a line end, so <LF>.<LF>, <LF>.<CR><LF> and <CR><LF>.<LF> end the message; bare <CR> is not a
  // line end for Postfix.
  it('harness Postfix 3.7 (bare newline allowed): the three bare-LF variants smuggle a second message', async () => {
    const to = `${uniqueToken('audit')}@smuggle.test`;
    const report = await audit(servers.ports.postfix, { to });
    expect(high(report)).toEqual(LF_VARIANTS.map((v) => `smtp-smuggling:${v}`).sort());
    expect(Object.entries(report.smuggling ?? {}).filter(([, o]) => o === 'end-of-data').map(([v]) => v).sort()).toEqual([...LF_VARIANTS].sort());
    expect(Object.keys(report.smuggling ?? {}).sort()).toEqual([...ALL_VARIANTS].sort());
    const evidence = report.findings.find((f) => f.id === 'smtp-smuggling:lf-dot-lf')?.evidence ?? [];
    expect(evidence.filter((l) => /^S: 354 /.test(l))).toHaveLength(2); // the real DATA and the smuggled one
    // What Postfix stored: one carrier per variant, plus a SMUGGLED message of its own for each LF variant
    // (10 + 1 CHUNKING check message + 3).
    const files = await delivered(servers.maildir.postfix, to, 14);
    expect(files).toHaveLength(14);
    expect(subjects(files).filter((s) => s.includes('SMUGGLED'))).toEqual(LF_VARIANTS.map((v) => `mailwire audit: SMUGGLED (${v})`).sort());
    // Nothing else fires on this port: no TLS here, VRFY answers 252, and the banner only names Postfix.
    expect(report.findings.filter((f) => !f.id.startsWith('smtp-smuggling')).map((f) => `${f.id}/${f.severity}`)).toEqual(['banner/info']);
  });

  // postconf(5) of 3.7.11: "reject" refuses a command or message content holding a bare <LF> with
  // $smtpd_forbid_bare_newline_reject_code (550 by default; not a 521 and no disconnect); "normalize" (and
  // "yes", its compatibility alias) takes <LF> as a line end but ends data only at <CR><LF>.<CR><LF>.
  it('strict Postfix, smtpd_forbid_bare_newline = reject: the bare-LF variants are refused, nothing smuggled', async () => {
    const to = `${uniqueToken('audit')}@smuggle.test`;
    const report = await audit(strict.reject, { to, security: 'starttls' });
    expect(high(report)).toEqual([]);
    const refused = Object.entries(report.smuggling ?? {}).filter(([, o]) => o === 'rejected').map(([v]) => v).sort();
    // Every variant that holds a bare <LF> (<CR>.<LF> and <LF>.<CR> too); the bare-<CR>-only ones are content.
    expect(refused).toEqual([...LF_VARIANTS, 'cr-dot-lf', 'lf-dot-cr'].sort());
    const summary = report.findings.find((f) => f.id === 'smtp-smuggling-handling');
    expect(summary?.evidence.find((l) => l.includes('(lf-dot-lf)'))).toMatch(/refused - 550 \(550 5\.5\.2 .*bare <LF>/i);
    const files = await delivered(strict.maildir, to, 6); // 5 carriers + the CHUNKING check message
    expect(files).toHaveLength(6);
    expect(subjects(files).some((s) => s.includes('SMUGGLED'))).toBe(false);
    // CVE-2011-0411 (STARTTLS plaintext injection) was fixed in Postfix 2.8.0 and the 2.4-2.7 patch
    // releases (https://www.postfix.org/CVE-2011-0411.html): the injection check runs and stays quiet.
    expect(report.skipped.map((s) => s.id)).not.toContain('starttls-injection');
    expect(report.findings.map((f) => f.id)).not.toContain('starttls-injection');
  });

  it('strict Postfix, smtpd_forbid_bare_newline = normalize: every variant is kept as content', async () => {
    const to = `${uniqueToken('audit')}@smuggle.test`;
    const report = await audit(strict.normalize, { to, security: 'starttls' });
    expect(high(report)).toEqual([]);
    expect(Object.values(report.smuggling ?? {})).toEqual(ALL_VARIANTS.map(() => 'content'));
    // The same Postfix binary as the harness port: only the setting differs, and the audit tells them apart.
    const files = await delivered(strict.maildir, to, 11);
    expect(files).toHaveLength(11);
    expect(subjects(files).some((s) => s.includes('SMUGGLED'))).toBe(false);
  });

  it('Postfix submission: TLS 1.0 and 1.1 accepted, as openssl s_client confirms on its own', async () => {
    const report = await audit(servers.ports.submission, { security: 'starttls', only: ['tls-versions', 'certificate', 'auth-before-tls', 'starttls-injection'] });
    expect(report.findings.map((f) => f.id).sort()).toEqual(['tls-versions:tlsv1', 'tls-versions:tlsv1.1']);
    expect(report.tls?.authorized).toBe(true);
    // Independent check with OpenSSL's own client: a TLS 1.0 handshake after STARTTLS completes.
    const run = spawnSync('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${servers.ports.submission}`, '-tls1', '-cipher', 'DEFAULT@SECLEVEL=0', '-brief'], {
      input: 'QUIT\r\n',
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^Protocol version: TLSv1$/m);
  });

  it('Postfix submission, logged in over verified TLS: the same three variants, and BDAT taken', async () => {
    const to = `${uniqueToken('audit')}@smuggle.test`;
    const report = await audit(servers.ports.submission, { to, security: 'starttls', auth: servers.auth, only: ['smtp-smuggling', 'extensions'] });
    expect(high(report)).toEqual(LF_VARIANTS.map((v) => `smtp-smuggling:${v}`).sort());
    expect(report.skipped).toEqual([]);
    expect(report.findings.filter((f) => f.id.startsWith('extensions'))).toEqual([]);
    const evidence = report.findings.find((f) => f.id === 'smtp-smuggling:lf-dot-lf')?.evidence ?? [];
    expect(JSON.stringify(report)).not.toContain(servers.auth.pass);
    expect(evidence[0]).toBe(`C: MAIL FROM:<${to}>`);
    const files = await delivered(servers.maildir.postfix, to, 14);
    expect(files).toHaveLength(14);
    expect(files.every((f) => /\(using TLSv1\.[23] /.test(readFileSync(f, 'latin1')))).toBe(true);
  });

  // aiosmtpd as Debian ships it: 1.4.3-1.1+deb12u1, whose changelog lists CVE-2024-27305 ("SMTP smuggling
  // due to poor handling of non-standard line endings") and CVE-2024-34083 ("STARTTLS unencrypted command
  // injection") as fixed (/usr/share/doc/python3-aiosmtpd/changelog.Debian.gz).
  it('aiosmtpd (Debian, CVE-2024-27305 fixed): no variant ends a message; ten messages stored', async () => {
    const to = `${uniqueToken('audit')}@smuggle.test`;
    const report = await audit(servers.ports.aiosmtpd, { to });
    expect(high(report)).toEqual([]);
    expect(Object.values(report.smuggling ?? {})).toEqual(ALL_VARIANTS.map(() => 'content'));
    const stored = readdirSync(servers.maildir.aiosmtpd)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => join(servers.maildir.aiosmtpd, f))
      .filter((f) => readFileSync(f, 'latin1').includes(`To: <${to}>`));
    cleanup.push(...stored, ...stored.map((f) => f.replace(/\.eml$/, '.json')));
    expect(stored).toHaveLength(10);
  });

  it('aiosmtpd STARTTLS port (CVE-2024-34083 fixed): the injection check runs and does not fire', async () => {
    const report = await audit(servers.ports.aiosmtpdTls, { security: 'starttls', only: ['starttls-injection', 'auth-before-tls'] });
    expect(report.skipped).toEqual([]);
    expect(report.findings).toEqual([]);
  });

  // smtp-server (nodemailer project): we found no published smuggling advisory for it; what the audit
  // sees is that it ends data only at <CR><LF>.<CR><LF>, which the stored messages confirm.
  it('smtp-server from npm: every variant kept as content, STARTTLS injection absent', async () => {
    const peer = await startSmtpServerPeer({});
    try {
      const report = await auditServer({ host: '127.0.0.1', port: peer.port, security: 'starttls', to: 'me@example.org', settleMs: 1000, tls: { ca: TEST_CERTIFICATE, servername: 'localhost' } });
      expect(high(report)).toEqual([]);
      expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(Object.values(report.smuggling ?? {})).toEqual(ALL_VARIANTS.map(() => 'content'));
      expect(report.skipped.map((s) => s.id)).not.toContain('starttls-injection');
      // Ten messages, each a carrier with the smuggled transaction inside it as text (no CHUNKING here).
      expect(peer.messages).toHaveLength(10);
      expect(peer.messages.every((m) => m.bytes.includes('X-Mailwire-Audit: carrier') && m.bytes.includes('SMUGGLED'))).toBe(true);
    } finally {
      await peer.close();
    }
  });

  // The sink is a capture server: it takes every recipient by design, so the relay check fires (that is
  // what it is for), and nothing else above info does.
  it("mailwire's own sink: only the relay check fires (a capture server takes any recipient)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-audit-sink-'));
    const sink = await startSink({ tls: true, dir });
    try {
      const report = await auditServer({ host: '127.0.0.1', port: sink.port, security: 'starttls', to: 'me@example.org', relayDomains: ['example.net'], settleMs: 1000, tls: { ca: TEST_CERTIFICATE, servername: 'localhost' } });
      expect(report.findings.filter((f) => f.severity !== 'info').map((f) => f.id)).toEqual(['open-relay:example.net']);
      expect(Object.values(report.smuggling ?? {})).toEqual(ALL_VARIANTS.map(() => 'content'));
      expect(readdirSync(dir).filter((f) => f.endsWith('.eml'))).toHaveLength(11); // 10 carriers + BDAT
    } finally {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI: exit 1 on the harness Postfix with --fail-on high, the report as JSON', async () => {
    const to = `${uniqueToken('audit')}@smuggle.test`;
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['audit', `127.0.0.1:${servers.ports.postfix}`, '--security', 'none', '--to', to, '--json', '--delay-ms', '50'], {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      stdin: process.stdin,
      env: {},
      cwd: process.cwd(),
      interrupted: new AbortController().signal,
    });
    expect(err.join('')).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(out.join('')) as AuditReport;
    expect(high(report)).toHaveLength(3);
    await delivered(servers.maildir.postfix, to, 14);
  });
});
