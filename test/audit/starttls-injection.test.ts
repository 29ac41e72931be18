import { describe, expect, it } from 'vitest';
import { auditFake, ids } from './run-audit.js';

describe('audit: STARTTLS command injection', () => {
  it('fires when a NOOP sent in plaintext with STARTTLS is answered inside TLS', async () => {
    const { report } = await auditFake({ starttlsInjection: true }, ['starttls-injection']);
    expect(ids(report)).toEqual(['starttls-injection']);
    const f = report.findings[0];
    expect(f?.severity).toBe('high');
    expect(f?.evidence).toEqual(expect.arrayContaining(['C: STARTTLS', 'C: NOOP', 'S: 220 2.0.0 go ahead']));
    // The NOOP's answer comes after the handshake, though nothing was sent over TLS.
    const tlsAt = f?.evidence.findIndex((l) => l.startsWith('-- TLS established')) ?? -1;
    expect(tlsAt).toBeGreaterThan(0);
    expect(f?.evidence.slice(tlsAt + 1)).toEqual(['S: 250 2.0.0 ok']);
  });

  it('does not fire on a server that discards the plaintext buffer at STARTTLS', async () => {
    const { report } = await auditFake({}, ['starttls-injection']);
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([]);
  });

  it('is skipped without STARTTLS', async () => {
    const none = await auditFake({}, ['starttls-injection'], { security: 'none' });
    expect(none.report.skipped).toEqual([{ id: 'starttls-injection', why: '--security none: TLS is not used' }]);
    const off = await auditFake({ starttls: false }, ['starttls-injection']);
    expect(off.report.skipped).toEqual([{ id: 'starttls-injection', why: 'the server does not offer STARTTLS' }]);
  });
});
