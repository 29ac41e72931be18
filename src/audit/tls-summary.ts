/** The report's view of a TLS session: protocol, cipher, whether the chain and name verify, expiry. */
import type { TlsInfo } from '../tls/upgrade.js';
import type { AuditTls } from './types.js';

export function tlsSummary(info: TlsInfo, now: Date = new Date()): AuditTls {
  const out: AuditTls = { protocol: info.protocol, cipher: info.cipher, authorized: info.authorized };
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

function isoDate(text: string): string {
  const time = Date.parse(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString().replace('.000Z', 'Z');
}
