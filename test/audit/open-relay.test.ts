import { describe, expect, it } from 'vitest';
import { auditFake, ids } from './run-audit.js';

describe('audit: open relay', () => {
  it('fires (high) for a named domain the server takes RCPT for, then RSETs, never DATA', async () => {
    const { report, server } = await auditFake({ openRelay: true }, ['open-relay'], { relayDomains: ['example.org'] });
    expect(ids(report)).toEqual(['open-relay:example.org']);
    const evidence = report.findings[0]?.evidence ?? [];
    expect(evidence).toContain('C: RCPT TO:<mailwire-relay-test@example.org>');
    expect(evidence.filter((l) => l.startsWith('C: ')).map((l) => l.split(' ')[1])).toEqual(['MAIL', 'RCPT', 'RSET']);
    expect(server.messages).toEqual([]);
  });

  it('does not fire when the server refuses the relay', async () => {
    const { report } = await auditFake({}, ['open-relay'], { relayDomains: ['example.org', 'example.net'] });
    expect(report.findings).toEqual([]);
  });

  it('tries nothing unless the user names a domain', async () => {
    const { report } = await auditFake({ openRelay: true }, ['open-relay']);
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([{ id: 'open-relay', why: expect.stringContaining('--relay-domain') }]);
  });
});
