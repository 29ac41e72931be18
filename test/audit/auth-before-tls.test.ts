import { describe, expect, it } from 'vitest';
import { auditFake, ids } from './run-audit.js';

describe('audit: AUTH before TLS', () => {
  it('fires (medium) when PLAIN/LOGIN are offered in plaintext, with the EHLO lines as evidence', async () => {
    const { report } = await auditFake({ authBeforeTls: true }, ['auth-before-tls']);
    expect(ids(report)).toEqual(['auth-before-tls']);
    expect(report.findings[0]?.severity).toBe('medium');
    expect(report.findings[0]?.evidence).toContain('S: 250 AUTH PLAIN LOGIN');
    expect(report.findings[0]?.evidence).not.toContain('S: 220 fake.localhost ESMTP');
  });

  it('does not fire when AUTH appears only after STARTTLS', async () => {
    const { report } = await auditFake({}, ['auth-before-tls']);
    expect(report.findings).toEqual([]);
    expect(report.capabilities.after?.AUTH).toEqual(['PLAIN', 'LOGIN']);
    expect(report.capabilities.before?.AUTH).toBeUndefined();
  });

  it('says so when a STARTTLS audit meets a server without STARTTLS', async () => {
    const { report } = await auditFake({ starttls: false }, ['auth-before-tls']);
    expect(ids(report)).toEqual(['no-starttls']);
  });
});
