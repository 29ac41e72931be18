import { describe, expect, it } from 'vitest';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { auditFake, ids } from './run-audit.js';

describe('audit: certificate', () => {
  it('fires when the chain does not verify (self-signed, CA not given)', async () => {
    const { report } = await auditFake({}, ['certificate']);
    expect(ids(report)).toEqual(['certificate:chain']);
    expect(report.findings[0]?.evidence).toContain('-- subject CN=localhost');
  });

  it('fires when the certificate does not name the host', async () => {
    const { report } = await auditFake({}, ['certificate'], { tls: { ca: TEST_CERTIFICATE, servername: 'mail.example.org' } });
    expect(ids(report)).toEqual(['certificate:name']);
  });

  it('does not fire when the chain verifies for the name (and it is far from expiry)', async () => {
    const { report } = await auditFake({}, ['certificate'], { tls: { ca: TEST_CERTIFICATE, servername: 'localhost' } });
    expect(report.findings).toEqual([]);
    expect(report.tls?.authorized).toBe(true);
    expect(report.tls?.certificate?.validTo).toBe('2100-01-01T00:00:00Z');
  });
});
