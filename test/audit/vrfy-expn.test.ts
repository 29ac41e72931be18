import { describe, expect, it } from 'vitest';
import { auditFake, ids } from './run-audit.js';

describe('audit: VRFY and EXPN', () => {
  it('fires (low) for each one that confirms an address', async () => {
    const { report } = await auditFake({ vrfy: true, expn: true }, ['vrfy-expn']);
    expect(ids(report)).toEqual(['vrfy-expn:expn', 'vrfy-expn:vrfy']);
    expect(report.findings.every((f) => f.severity === 'low')).toBe(true);
    expect(report.findings[1]?.evidence).toEqual(['C: VRFY postmaster', 'S: 250 2.1.5 <postmaster@local.test>']);
  });

  it('does not fire on 252 and 502', async () => {
    const { report } = await auditFake({}, ['vrfy-expn']);
    expect(report.findings).toEqual([]);
  });
});
