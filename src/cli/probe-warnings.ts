/**
 * What users trip over, read off a probe report: each warning says what is wrong AND what to do.
 * Pure: the report in, sentences out (tested without a server).
 */
import type { ProbeReport } from './probe-report.js';

const SUBMISSION_PORTS = new Set([465, 587]);
const SOON_DAYS = 14;

export function probeWarnings(report: ProbeReport): string[] {
  const warnings: string[] = [];
  const { before, after, tls, port, security } = report;
  const target = `${report.host.includes(':') ? `[${report.host}]` : report.host}:${port}`;

  if (report.error) warnings.push(...errorAdvice(report, target));

  if (security === 'starttls' && before && !before.starttls) {
    warnings.push(
      port === 587
        ? 'STARTTLS is not offered on port 587 (submission): mail and passwords would cross the network in plaintext, and mailwire\'s default security "starttls" refuses to continue; fix the server, or if it serves implicit TLS use port 465 with --security tls'
        : 'STARTTLS is not offered: the session cannot be encrypted here (mailwire\'s default security "starttls" refuses to continue); check the port, or use --security tls if this port speaks TLS from the first byte',
    );
  }
  if (before && before.auth.length > 0 && security !== 'tls') {
    warnings.push(
      before.starttls
        ? `AUTH (${before.auth.join(' ')}) is offered before TLS: a client that does not insist on STARTTLS may send the password in plaintext (mailwire never does with security "starttls"); servers should offer AUTH only after STARTTLS`
        : `AUTH (${before.auth.join(' ')}) is offered on a plaintext session: the password would cross the network readable by anyone on the path`,
    );
  }
  if (tls) {
    if (!tls.authorized) warnings.push(certificateAdvice(tls.authorizationError ?? 'unknown reason'));
    const cert = tls.certificate;
    if (cert && cert.daysLeft < 0) {
      warnings.push(`the certificate expired on ${cert.validTo} (${-cert.daysLeft} days ago): every verifying client will refuse it; renew it`);
    } else if (cert && cert.daysLeft < SOON_DAYS) {
      warnings.push(`the certificate expires in ${cert.daysLeft} days (${cert.validTo}): renew it before clients start refusing it`);
    }
    if (/^(SSLv3|TLSv1|TLSv1\.1)$/.test(tls.protocol)) {
      warnings.push(`the server negotiated ${tls.protocol}, which is obsolete (RFC 8996); mailwire requires TLSv1.2 or later by default`);
    }
  }
  if (after && after.auth.length === 0 && SUBMISSION_PORTS.has(port)) {
    warnings.push(`no AUTH mechanism is offered after TLS on port ${port} (submission): logging in will not be possible`);
  }
  return warnings;
}

function errorAdvice(report: ProbeReport, target: string): string[] {
  const error = report.error;
  if (!error) return [];
  const host = report.host.includes(':') ? `[${report.host}]` : report.host;
  // Only when connecting: after a STARTTLS 220 the same OpenSSL error means something else (see tls/policy).
  if (error.code === 'ETLS' && error.phase !== 'starttls' && /wrong version number|packet length too long|unknown protocol|http request/i.test(error.message)) {
    return [
      `"wrong version number": ${target} answered in plaintext, not TLS. This port uses STARTTLS (587 and 25 do; only 465 is TLS from the first byte). Fix: --security starttls (mailwire probe ${host}:${report.port} --security starttls), or use port 465 with --security tls`,
    ];
  }
  if (error.code === 'ETIMEDOUT' && error.phase === 'greeting' && report.security !== 'tls') {
    return [
      `no SMTP greeting from ${target}: a port that speaks TLS from the first byte (465) waits silently for the TLS handshake. Fix: --security tls (mailwire probe ${host}:${report.port} --security tls)`,
    ];
  }
  if (error.code === 'ECONNECTION' && /ECONNREFUSED/.test(error.message)) {
    return [`nothing is listening on ${target}: check the host and port (587 submission with STARTTLS, 465 implicit TLS, 25 relay)`];
  }
  return [];
}

function certificateAdvice(reason: string): string {
  if (/SELF_SIGNED/.test(reason)) {
    return `the certificate does not verify (${reason}): it is self-signed; clients must be given it explicitly (--ca FILE), or the server needs a certificate from a public CA`;
  }
  if (/CERT_HAS_EXPIRED/.test(reason)) return `the certificate does not verify (${reason}): it has expired`;
  if (/ALTNAME|Hostname/i.test(reason)) {
    return `the certificate does not verify (${reason}): it was issued for another name; connect by the name on the certificate (or set --servername)`;
  }
  if (/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/.test(reason)) {
    return `the certificate does not verify (${reason}): the chain is incomplete or its CA is not trusted. If the server uses a private CA, trust it with --ca FILE (mailwire probe/send/verify --ca ca.pem); otherwise the server should send its intermediate certificates`;
  }
  return `the certificate does not verify (${reason}): verifying clients (mailwire by default) will refuse the connection`;
}
