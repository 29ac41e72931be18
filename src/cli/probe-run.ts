/**
 * The probe itself: drives one SmtpConnection step by step (connect, EHLO, STARTTLS, EHLO, NOOP, QUIT)
 * and records what the server offers at each step, so the report can show the server BEFORE and AFTER TLS.
 *
 * The certificate is checked but not enforced (rejectUnauthorized: false): node still computes
 * `authorized` and `authorizationError` (chain and host name), and the probe can then show the
 * certificate it was given. That is safe here because a probe never sends credentials or mail.
 */
import { SmtpConnection } from '../connection/smtp-connection.js';
import type { TranscriptHook } from '../connection/transcript.js';
import type { Capabilities } from '../protocol/capabilities.js';
import { formatReply } from '../protocol/reply.js';
import { tlsSummary } from '../tls/summary.js';
import { SmtpError } from '../errors.js';
import { probeWarnings } from './probe-warnings.js';
import type { OfferedFeatures, ProbeOptions, ProbeReport } from './probe-report.js';

export type { OfferedFeatures, ProbeOptions, ProbeReport, ProbeSecurity, ProbeTls } from './probe-report.js';

export async function runProbe(options: ProbeOptions, now: Date = new Date()): Promise<ProbeReport> {
  const started = performance.now();
  const report: ProbeReport = { host: options.host, port: options.port, security: options.security, ok: false, timings: { totalMs: 0 }, warnings: [] };
  const conn = new SmtpConnection({
    host: options.host,
    port: options.port,
    security: options.security,
    tls: {
      rejectUnauthorized: false,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.servername !== undefined ? { servername: options.servername } : {}),
    },
    timeouts: { connectMs: options.timeoutMs, greetingMs: options.timeoutMs, commandMs: options.timeoutMs },
    ...(options.clientName !== undefined ? { clientName: options.clientName } : {}),
    ...(options.onTranscript ? { onTranscript: options.onTranscript } : {}),
  });
  try {
    const greeting = await conn.connect();
    report.greeting = formatReply(greeting);
    if (conn.remoteAddress !== undefined) report.address = conn.remoteAddress;
    if (conn.tlsInfo) report.tls = tlsSummary(conn.tlsInfo, now);
    let t = performance.now();
    const first = await conn.ehlo();
    report.timings.ehloMs = round(performance.now() - t);
    if (options.security === 'tls') report.after = features(first);
    else report.before = features(first);
    if (options.security === 'starttls' && first.starttls) {
      const upgraded = await conn.startTls();
      if (conn.tlsInfo) report.tls = tlsSummary(conn.tlsInfo, now);
      report.after = features(upgraded);
    }
    t = performance.now();
    await conn.noop();
    report.timings.noopMs = round(performance.now() - t);
    report.ok = true;
    await conn.quit();
  } catch (error) {
    const failure = SmtpError.from(error, { code: 'EPROTOCOL', phase: 'connect' });
    report.error = { code: failure.code, message: failure.message.replace(/\s*\n\s*/g, ' ').trim(), phase: failure.phase };
    // Even a failed STARTTLS may have told us which certificate was offered.
    if (!report.tls && conn.tlsInfo) report.tls = tlsSummary(conn.tlsInfo, now);
  } finally {
    conn.close();
    copyTimings(report, conn);
    report.timings.totalMs = round(performance.now() - started);
  }
  report.warnings = probeWarnings(report);
  return report;
}

function features(caps: Capabilities): OfferedFeatures {
  const out: OfferedFeatures = { capabilities: { ...caps.keywords }, starttls: caps.starttls, auth: [...caps.auth] };
  if (caps.size !== undefined) out.size = caps.size;
  return out;
}

function copyTimings(report: ProbeReport, conn: SmtpConnection): void {
  const t = conn.timings;
  if (t.connectMs !== undefined) report.timings.connectMs = round(t.connectMs);
  if (t.greetingMs !== undefined) report.timings.greetingMs = round(t.greetingMs);
  if (t.tlsMs !== undefined) report.timings.tlsMs = round(t.tlsMs);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
