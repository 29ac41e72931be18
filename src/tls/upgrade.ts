/**
 * STARTTLS (RFC 3207): wrap an established plaintext stream in TLS.
 *
 * The caller has already checked that nothing arrived after the 220 (bytes that ride along with it are a
 * response-injection attack and must never be read as post-TLS replies).
 */
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { SmtpError } from '../errors.js';
import { buildTlsOptions, mapTlsError, type TlsSettings } from './policy.js';

export function upgradeToTls(stream: Duplex, host: string, settings: TlsSettings, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...buildTlsOptions(host, settings), socket: stream });
    let settled = false;
    const finish = (error?: SmtpError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure.off('error', onError);
      if (error) {
        secure.destroy();
        stream.destroy();
        reject(error);
      } else resolve(secure);
    };
    const onError = (err: Error): void => finish(mapTlsError(err, 'starttls'));
    const timer = setTimeout(
      () => finish(new SmtpError('ETIMEDOUT', `TLS handshake timed out after ${timeoutMs} ms`, { phase: 'starttls', transient: true })),
      timeoutMs,
    );
    timer.unref?.();
    secure.once('secureConnect', () => finish());
    secure.on('error', onError);
  });
}

/** What verify() and probe report about an established TLS session. */
export interface TlsInfo {
  protocol: string;
  cipher: string;
  authorized: boolean;
  authorizationError?: string;
  peerCertificate?: { subject: string; issuer: string; validFrom: string; validTo: string; fingerprint256: string };
}

export function describeTls(socket: tls.TLSSocket): TlsInfo {
  const cert = socket.getPeerCertificate();
  const info: TlsInfo = {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.name ?? 'unknown',
    authorized: socket.authorized,
  };
  if (socket.authorizationError) info.authorizationError = String(socket.authorizationError);
  if (cert && Object.keys(cert).length > 0) {
    info.peerCertificate = {
      subject: formatName(cert.subject),
      issuer: formatName(cert.issuer),
      validFrom: cert.valid_from,
      validTo: cert.valid_to,
      fingerprint256: cert.fingerprint256,
    };
  }
  return info;
}

function formatName(name: tls.Certificate | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}
