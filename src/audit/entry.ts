/**
 * auditServer() as the package's entry point exports it: the audit's code (its sessions, TLS probes and
 * checks) is loaded on the first call, not by every application that imports mailwire to send mail.
 */
import type { AuditOptions, AuditReport } from './types.js';

/**
 * Checks a server's conformance and security: SMTP smuggling, STARTTLS injection, TLS, AUTH over plaintext, open relay, extensions. Connects only where `options` says.
 *
 * @example
 * ```ts
 * const report = await auditServer({ host: '127.0.0.1', port: 25 });
 * for (const f of report.findings) console.log(f.severity, f.title);
 * ```
 */
export async function auditServer(options: AuditOptions): Promise<AuditReport> {
  const { auditServer: run } = await import('./run.js');
  return run(options);
}
