import { describe, expect, it } from 'vitest';
import { auditFake, ids } from './run-audit.js';

describe('audit: banner', () => {
  it('is low when the greeting names the software and its version', async () => {
    const { report } = await auditFake({ banner: '220 mx.local.test ESMTP Exim 4.96 Mon, 01 Jan 2024' }, ['banner']);
    expect(ids(report)).toEqual(['banner']);
    expect(report.findings[0]?.severity).toBe('low');
    expect(report.findings[0]?.evidence).toEqual(['S: 220 mx.local.test ESMTP Exim 4.96 Mon, 01 Jan 2024']);
  });

  it('is info when it names the software only', async () => {
    const { report } = await auditFake({ banner: '220 mx.local.test ESMTP Postfix (Debian/GNU)' }, ['banner']);
    expect(report.findings.map((f) => f.severity)).toEqual(['info']);
  });

  it('does not fire on a plain greeting (an IP address is not a version)', async () => {
    const { report } = await auditFake({ banner: '220 mx.local.test ESMTP ready 192.0.2.1' }, ['banner']);
    expect(report.findings).toEqual([]);
  });
});
