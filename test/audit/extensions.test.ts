import { describe, expect, it } from 'vitest';
import { auditFake, ids } from './run-audit.js';

const TO = { to: 'me@local.test' };

describe('audit: advertised extensions against behaviour', () => {
  it('fires when SIZE is advertised but a MAIL over it is accepted', async () => {
    const { report } = await auditFake({ size: 1000, sizeEnforced: false }, ['extensions']);
    expect(ids(report)).toEqual(['extensions:size']);
    expect(report.findings[0]?.evidence.slice(0, 2)).toEqual(['C: MAIL FROM:<> SIZE=1001', 'S: 250 2.1.0 ok']);
  });

  it('fires when pipelined commands are not answered one for one', async () => {
    const { report } = await auditFake({ pipeliningBroken: true }, ['extensions'], TO);
    expect(ids(report)).toEqual(['extensions:pipelining']);
    expect(report.findings[0]?.title).toContain('4 pipelined commands got 1 replies');
  });

  it('fires when CHUNKING is advertised but BDAT is refused', async () => {
    const { report } = await auditFake({ chunking: true, chunkingBroken: true }, ['extensions'], TO);
    expect(ids(report)).toEqual(['extensions:chunking']);
  });

  it('does not fire on a server that does what it advertises (one BDAT message to --to)', async () => {
    const { report, server } = await auditFake({ size: 1000, chunking: true }, ['extensions'], TO);
    expect(report.findings).toEqual([]);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]).toContain('X-Mailwire-Audit: bdat');
  });

  it('skips the CHUNKING check without --to, and sends nothing', async () => {
    const { report, server } = await auditFake({ chunking: true }, ['extensions']);
    expect(report.skipped).toContainEqual({ id: 'extensions:chunking', why: expect.stringContaining('--to') });
    expect(server.messages).toEqual([]);
  });
});
