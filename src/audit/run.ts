/**
 * auditServer(): the baseline session, then every check (they share the connection gate, so at most
 * maxConnections are open at once however many checks run), under one overall deadline. A check that
 * fails or runs out of time is listed in `skipped` with why; it never ends the audit.
 */
import { SmtpError } from '../errors.js';
import { subscribeAbort } from '../abort/fanout.js';
import { AUDIT_CHECKS } from './checks/index.js';
import { takeBaseline } from './baseline.js';
import { ConnectionGate } from './connection-gate.js';
import { AuditContext, resolveOptions } from './context.js';
import { SEVERITIES, type AuditOptions, type AuditReport } from './types.js';

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
  const resolved = resolveOptions(options);
  const started = performance.now();
  const report: AuditReport = {
    host: resolved.host,
    port: resolved.port,
    security: resolved.security,
    capabilities: {},
    findings: [],
    skipped: [],
    timings: {},
    connections: 0,
  };
  // One signal for the deadline and the caller's (AbortSignal.any is newer than the Node 20.0 we support).
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.overallTimeoutMs ?? 180_000);
  // Through the shared listener: a caller may run many audits with one signal.
  const onCallerAbort = (): void => stop.abort();
  if (options.signal?.aborted) stop.abort();
  const subscription = options.signal ? subscribeAbort(options.signal, onCallerAbort) : undefined;
  const signal = stop.signal;
  const gate = new ConnectionGate(Math.max(1, options.maxConnections ?? 2), Math.max(0, options.delayMs ?? 200));
  const ctx = new AuditContext(resolved, report, gate, signal);
  try {
    return await run(ctx, options, report, gate, started);
  } finally {
    clearTimeout(timer);
    subscription?.unsubscribe();
  }
}

async function run(ctx: AuditContext, options: AuditOptions, report: AuditReport, gate: ConnectionGate, started: number): Promise<AuditReport> {
  const resolved = ctx.options;
  const signal = ctx.signal;
  try {
    ctx.baseline = await takeBaseline(ctx);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new SmtpError('ECONNECTION', `could not audit ${resolved.host}:${resolved.port}: ${why}`, { phase: 'connect', transient: true });
  }
  report.timings.baseline = round(performance.now() - started);
  const wanted = AUDIT_CHECKS.filter((c) => options.only === undefined || options.only.includes(c.id));
  await Promise.all(
    wanted.map(async (check) => {
      const t = performance.now();
      try {
        if (signal.aborted) throw new Error('the audit was stopped (deadline or interrupt) before this check');
        await check.run(ctx);
      } catch (error) {
        ctx.skip(check.id, `did not finish: ${error instanceof Error ? error.message : String(error)}`);
      }
      report.timings[check.id] = round(performance.now() - t);
    }),
  );
  report.findings.sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.id.localeCompare(b.id));
  report.connections = gate.opened;
  report.timings.total = round(performance.now() - started);
  return report;
}

function round(ms: number): number {
  return Math.round(ms);
}
