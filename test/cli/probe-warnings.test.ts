import { describe, expect, it } from 'vitest';
import { probeWarnings } from '../../src/cli/probe-warnings.js';
import { mapTlsError } from '../../src/tls/policy.js';
import type { OfferedFeatures, ProbeReport, ProbeTls } from '../../src/cli/probe-run.js';

const offered = (keywords: string[], auth: string[] = []): OfferedFeatures => ({
  capabilities: Object.fromEntries(keywords.map((k) => [k, []])),
  starttls: keywords.includes('STARTTLS'),
  auth,
});
const tls = (overrides: Partial<ProbeTls> = {}, daysLeft = 300): ProbeTls => ({
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  authorized: true,
  certificate: { subject: 'CN=mx.example', issuer: 'CN=CA', validFrom: '2024-01-01T00:00:00Z', validTo: '2030-01-01T00:00:00Z', daysLeft, fingerprint256: 'AA' },
  ...overrides,
});
const report = (overrides: Partial<ProbeReport>): ProbeReport => ({
  host: 'mx.example',
  port: 587,
  security: 'starttls',
  ok: true,
  timings: { totalMs: 1 },
  warnings: [],
  ...overrides,
});

describe('probeWarnings', () => {
  it('a well-configured submission server gets none', () => {
    expect(probeWarnings(report({ before: offered(['PIPELINING', 'STARTTLS']), tls: tls(), after: offered(['PIPELINING', 'AUTH'], ['PLAIN']) }))).toEqual([]);
  });

  it('STARTTLS missing on 587 says so, with the consequence', () => {
    const [w] = probeWarnings(report({ before: offered(['PIPELINING']) }));
    expect(w).toMatch(/^STARTTLS is not offered on port 587 \(submission\)/);
    expect(w).toContain('refuses to continue');
  });

  it('AUTH before TLS', () => {
    const warnings = probeWarnings(report({ before: offered(['STARTTLS', 'AUTH'], ['PLAIN', 'LOGIN']), tls: tls(), after: offered(['AUTH'], ['PLAIN', 'LOGIN']) }));
    expect(warnings).toEqual([expect.stringMatching(/^AUTH \(PLAIN LOGIN\) is offered before TLS/)]);
  });

  it('an expired certificate, and one about to expire', () => {
    const expired = probeWarnings(report({ before: offered(['STARTTLS']), tls: tls({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED' }, -3), after: offered([], ['PLAIN']) }));
    expect(expired).toContain('the certificate does not verify (CERT_HAS_EXPIRED): it has expired');
    expect(expired.some((w) => w.startsWith('the certificate expired on 2030-01-01T00:00:00Z (3 days ago)'))).toBe(true);
    const soon = probeWarnings(report({ before: offered(['STARTTLS']), tls: tls({}, 5), after: offered([], ['PLAIN']) }));
    expect(soon).toEqual([expect.stringMatching(/^the certificate expires in 5 days/)]);
  });

  it('host name mismatch and incomplete chains get their own advice', () => {
    const name = probeWarnings(report({ security: 'tls', port: 465, tls: tls({ authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' }), after: offered([], ['PLAIN']) }));
    expect(name[0]).toContain('issued for another name');
    const chain = probeWarnings(report({ security: 'tls', port: 465, tls: tls({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), after: offered([], ['PLAIN']) }));
    expect(chain[0]).toContain('intermediate');
  });

  it('obsolete TLS and no AUTH after TLS on a submission port', () => {
    const warnings = probeWarnings(report({ before: offered(['STARTTLS']), tls: tls({ protocol: 'TLSv1.1' }), after: offered([]) }));
    expect(warnings).toEqual([expect.stringContaining('TLSv1.1, which is obsolete'), expect.stringContaining('no AUTH mechanism is offered after TLS on port 587')]);
  });

  it('turns the classic port mix-ups into a fix', () => {
    const wrongVersion = probeWarnings(report({ ok: false, security: 'tls', error: { code: 'ETLS', phase: 'connect', message: 'TLS failed: ... ssl3_get_record:wrong version number' } }));
    expect(wrongVersion[0]).toMatch(/^"wrong version number": mx\.example:587 answered in plaintext/);
    expect(wrongVersion[0]).toContain('mailwire probe mx.example:587 --security starttls');
    const silent = probeWarnings(report({ ok: false, port: 465, error: { code: 'ETIMEDOUT', phase: 'greeting', message: 'timed out' } }));
    expect(silent[0]).toContain('mailwire probe mx.example:465 --security tls');
    const v6 = probeWarnings(report({ ok: false, host: '::1', error: { code: 'ECONNECTION', phase: 'connect', message: 'ECONNREFUSED' } }));
    expect(v6[0]).toBe('nothing is listening on [::1]:587: check the host and port (587 submission with STARTTLS, 465 implicit TLS, 25 relay)');
  });

  it('gives no port advice when plaintext came after a STARTTLS 220 (that is not a port mix-up)', () => {
    const afterStartTls = probeWarnings(report({ ok: false, error: { code: 'ETLS', phase: 'starttls', message: 'TLS failed: ... wrong version number (the server agreed to STARTTLS, then ...)' } }));
    expect(afterStartTls.join('\n')).not.toMatch(/--security|465/);
  });
});

describe('mapTlsError hints', () => {
  const wrongVersion = Object.assign(new Error('ssl3_get_record:wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
  it('sends an implicit-TLS connection that met plaintext to the right port and setting', () => {
    const error = mapTlsError(wrongVersion, 'connect');
    expect(error.code).toBe('ETLS');
    expect(error.message).toContain('port 465 uses "tls"');
  });
  it('names injection, not ports, when plaintext answers the handshake after STARTTLS', () => {
    const error = mapTlsError(wrongVersion, 'starttls');
    expect(error.message).toContain('agreed to STARTTLS');
    expect(error.message).toMatch(/injecting/);
    expect(error.message).not.toMatch(/465/);
  });
});
