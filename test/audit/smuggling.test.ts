import { describe, expect, it } from 'vitest';
import { SMUGGLING_VARIANTS } from '../../src/audit/checks/smuggling-variants.js';
import { classify } from '../../src/audit/checks/smuggling.js';
import { createReply } from '../../src/protocol/reply.js';
import { auditFake, ids } from './run-audit.js';

const TO = { to: 'me@local.test' };

describe('audit: SMTP smuggling', () => {
  it('is skipped, and says so, without --to', async () => {
    const { report, server } = await auditFake({ endOfData: 'lenient-lf' }, ['smtp-smuggling']);
    expect(report.skipped).toContainEqual({ id: 'smtp-smuggling', why: expect.stringContaining('--to') });
    expect(report.findings).toEqual([]);
    expect(server.messages).toEqual([]);
  });

  it('fires for every variant a bare-LF-tolerant server takes as end of data, with the smuggled replies as evidence', async () => {
    const { report, server } = await auditFake({ endOfData: 'lenient-lf' }, ['smtp-smuggling'], { ...TO, delayMs: 20 });
    const high = ids(report).filter((id) => id.startsWith('smtp-smuggling:'));
    expect(high.sort()).toEqual(['smtp-smuggling:crlf-dot-lf', 'smtp-smuggling:lf-dot-crlf', 'smtp-smuggling:lf-dot-lf']);
    const finding = report.findings.find((f) => f.id === 'smtp-smuggling:lf-dot-lf');
    expect(finding?.severity).toBe('high');
    // The variant on the wire as written, then the server's replies to the smuggled MAIL/RCPT/DATA/dot.
    expect(finding?.evidence.some((l) => l.includes('<LF>.<LF>MAIL FROM:<me@local.test>'))).toBe(true);
    expect(finding?.evidence.filter((l) => l.startsWith('S: 354')).length).toBe(2);
    // One message per variant was sent; the server stored one more for each variant it fell for.
    expect(server.messages.length).toBe(SMUGGLING_VARIANTS.length + 3);
    expect(server.messages.filter((m) => m.includes('Subject: mailwire audit: SMUGGLED (lf-dot-lf)'))).toHaveLength(1);
    expect(report.smuggling?.['cr-dot-cr']).toBe('content');
    expect(server.peak).toBeLessThanOrEqual(2); // the default --max-connections
  });

  it('fires for the bare-CR variants on a server that takes a lone CR as a line end', async () => {
    const { report } = await auditFake({ endOfData: 'lenient-cr' }, ['smtp-smuggling'], TO);
    for (const id of ['cr-dot-cr', 'crlf-dot-cr', 'cr-dot-lf', 'lf-dot-cr', 'cr-dot-crlf']) expect(report.smuggling?.[id]).toBe('end-of-data');
    expect(report.smuggling?.['crlf-nul-dot-crlf']).toBe('content');
  });

  it('reports nothing high on a server that only ends at <CR><LF>.<CR><LF>: every variant is kept as content', async () => {
    const { report, server } = await auditFake({}, ['smtp-smuggling'], TO);
    expect(report.findings.map((f) => f.severity)).toEqual(['info']);
    expect(Object.values(report.smuggling ?? {})).toEqual(SMUGGLING_VARIANTS.map(() => 'content'));
    expect(server.messages).toHaveLength(SMUGGLING_VARIANTS.length);
    expect(server.messages.every((m) => m.includes('SMUGGLED'))).toBe(true); // inside the carrier, as text
  });

  it('tells a server that refuses bare line ends (521) from one that keeps them', async () => {
    const { report } = await auditFake({ endOfData: 'reject-bare' }, ['smtp-smuggling'], TO);
    expect(Object.values(report.smuggling ?? {}).filter((o) => o === 'rejected')).toHaveLength(8);
    expect(report.smuggling?.['crlf-nul-dot-crlf']).toBe('content');
    expect(ids(report)).toEqual(['smtp-smuggling-handling']);
    expect(report.findings[0]?.title).toBe('end-of-data variants: 8 refused, 2 kept as content');
  });

  it('never opens more connections at once than --max-connections', async () => {
    const { report, server } = await auditFake({}, ['smtp-smuggling'], { ...TO, maxConnections: 1, delayMs: 20 });
    expect(server.peak).toBe(1);
    expect(report.connections).toBe(server.connections);
    expect(report.connections).toBe(SMUGGLING_VARIANTS.length + 2); // the baseline takes two (plaintext, TLS)
  });

  it('says once why it could not run when the server refuses the --to address', async () => {
    const { report, server } = await auditFake({}, ['smtp-smuggling'], { to: 'me@elsewhere.test' });
    expect(report.skipped).toEqual([{ id: 'smtp-smuggling', why: 'RCPT TO <me@elsewhere.test> was answered 554 5.7.1 relay access denied' }]);
    expect(report.findings).toEqual([]);
    expect(server.messages).toEqual([]);
  });

  it('classifies by the number of replies to one end of data', () => {
    const ok = createReply(250, ['ok']);
    expect(classify(ok, [])).toBe('content');
    expect(classify(ok, [ok, ok, createReply(354, ['go']), ok])).toBe('end-of-data');
    expect(classify(ok, [createReply(503, ['bad sequence'])])).toBe('end-of-data');
    expect(classify(createReply(521, ['bare LF']), [])).toBe('rejected');
  });
});
