/**
 * One reading of a TLS session for the reports (probe and audit): protocol, cipher, whether the chain
 * and name verify, and the certificate with its dates in ISO form and the days it has left.
 */
import type { TlsInfo } from './upgrade.js';

/** The server certificate as probe and audit report it: subject, issuer, validity and fingerprint. */
export interface TlsCertificateSummary {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  fingerprint256: string;
}

export interface TlsSummary {
  protocol: string;
  cipher: string;
  authorized: boolean;
  authorizationError?: string;
  certificate?: TlsCertificateSummary;
}

export function tlsSummary(info: TlsInfo, now: Date = new Date()): TlsSummary {
  const out: TlsSummary = { protocol: info.protocol, cipher: info.cipher, authorized: info.authorized };
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

/** node's "Jan  1 00:00:00 2100 GMT" -> "2100-01-01T00:00:00Z"; unparseable dates are kept as they are. */
function isoDate(text: string): string {
  const time = Date.parse(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString().replace('.000Z', 'Z');
}
