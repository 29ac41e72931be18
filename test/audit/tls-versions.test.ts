import { describe, expect, it } from 'vitest';
import { auditFake, ids } from './run-audit.js';

describe('audit: TLS versions', () => {
  it('fires (medium) for TLS 1.0 and 1.1 on a server that still takes them', async () => {
    const { report } = await auditFake({ legacyTls: true }, ['tls-versions']);
    expect(ids(report)).toEqual(['tls-versions:tlsv1', 'tls-versions:tlsv1.1']);
    expect(report.findings.every((f) => f.severity === 'medium')).toBe(true);
    expect(report.tls?.legacy).toEqual({ 'TLS 1.0': 'accepted', 'TLS 1.1': 'accepted' });
    expect(report.findings[0]?.evidence.some((l) => l.startsWith('-- TLS established: TLSv1 '))).toBe(true);
  });

  it('does not fire on a TLS 1.2+ server', async () => {
    const { report } = await auditFake({}, ['tls-versions']);
    expect(report.findings).toEqual([]);
    expect(report.tls?.legacy).toEqual({ 'TLS 1.0': 'refused', 'TLS 1.1': 'refused' });
  });

  it('works with implicit TLS too (the handshake is the first thing)', async () => {
    const { report } = await auditFake({ starttls: false }, ['tls-versions'], { security: 'none' });
    expect(report.skipped).toEqual([{ id: 'tls-versions', why: '--security none: TLS is not used' }]);
  });
});
