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
import type { TlsInfo } from '../tls/upgrade.js';
import { SmtpError } from '../errors.js';
import { probeWarnings } from './probe-warnings.js';
import type { OfferedFeatures, ProbeOptions, ProbeReport, ProbeTls } from './probe-report.js';

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
    if (conn.tlsInfo) report.tls = tlsReport(conn.tlsInfo, now);
    let t = performance.now();
    const first = await conn.ehlo();
    report.timings.ehloMs = round(performance.now() - t);
    if (options.security === 'tls') report.after = features(first);
    else report.before = features(first);
    if (options.security === 'starttls' && first.starttls) {
      const upgraded = await conn.startTls();
      if (conn.tlsInfo) report.tls = tlsReport(conn.tlsInfo, now);
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
    if (!report.tls && conn.tlsInfo) report.tls = tlsReport(conn.tlsInfo, now);
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

function tlsReport(info: TlsInfo, now: Date): ProbeTls {
  const out: ProbeTls = { protocol: info.protocol, cipher: info.cipher, authorized: info.authorized };
  if (info.authorizationError !== undefined) out.authorizationError = info.authorizationError;
  const cert = info.peerCertificate;
  if (cert) {
    const expires = Date.parse(cert.validTo);
    out.certificate = {
      subject: cert.subject,
      issuer: cert.issuer,
      validFrom: isoDate(cert.validFrom),
      validTo: isoDate(cert.validTo),
      daysLeft: Number.isNaN(expires) ? 0 : Math.floor((expires - now.getTime()) / 86_400_000),
      fingerprint256: cert.fingerprint256,
    };
  }
  return out;
}

function copyTimings(report: ProbeReport, conn: SmtpConnection): void {
  const t = conn.timings;
  if (t.connectMs !== undefined) report.timings.connectMs = round(t.connectMs);
  if (t.greetingMs !== undefined) report.timings.greetingMs = round(t.greetingMs);
  if (t.tlsMs !== undefined) report.timings.tlsMs = round(t.tlsMs);
}

/** node's "Jan  1 00:00:00 2100 GMT" -> "2100-01-01T00:00:00Z"; unparseable dates are kept as they are. */
function isoDate(text: string): string {
  const time = Date.parse(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString().replace('.000Z', 'Z');
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
