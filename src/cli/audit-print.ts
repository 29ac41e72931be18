/** The human form of an audit report: a verdict line, findings by severity (each with its fix), skips. */
import type { AuditReport, Severity } from '../audit/types.js';
import { line, type OutputStream } from './io.js';

const ORDER: readonly Severity[] = ['high', 'medium', 'low', 'info'];

export function failsOn(report: AuditReport, threshold: Severity): boolean {
  const rank = (s: Severity): number => ['info', 'low', 'medium', 'high'].indexOf(s);
  return report.findings.some((f) => rank(f.severity) >= rank(threshold));
}

export function printAudit(out: OutputStream, report: AuditReport, failOn: Severity, evidence: boolean): void {
  const where = `${report.host.includes(':') ? `[${report.host}]` : report.host}:${report.port}`;
  const counts = ORDER.map((s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
  const verdict = failsOn(report, failOn) ? `FAIL (a finding at or above ${failOn})` : `PASS (nothing at or above ${failOn})`;
  line(out, `audit ${where}, security ${report.security}: ${verdict}`);
  line(out, `  ${counts}; ${report.connections} connections in ${(report.timings.total ?? 0) / 1000} s`);
  if (report.greeting !== undefined) line(out, `  greeting   ${report.greeting.split('\n').join(' | ')}`);
  if (report.tls?.protocol !== undefined) line(out, `  tls        ${report.tls.protocol} ${report.tls.cipher ?? ''}${report.tls.authorized ? ', certificate verifies' : `, certificate: ${report.tls.authorizationError ?? 'does not verify'}`}`);
  if (report.smuggling) {
    const ended = Object.entries(report.smuggling).filter(([, o]) => o === 'end-of-data').map(([v]) => v);
    line(out, `  smuggling  ${ended.length === 0 ? 'no variant ended a message' : `ended by ${ended.join(', ')}`}`);
  }
  for (const severity of ORDER) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    line(out);
    line(out, severity.toUpperCase());
    for (const f of group) {
      line(out, `  [${f.id}] ${f.title}`);
      line(out, `      fix: ${f.fix}`);
      if (evidence) for (const e of f.evidence) line(out, `      | ${e}`);
    }
  }
  if (report.skipped.length > 0) {
    line(out);
    line(out, 'SKIPPED');
    for (const s of report.skipped) line(out, `  [${s.id}] ${s.why}`);
  }
}
