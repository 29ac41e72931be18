/**
 * TLS policy: safe defaults (TLS 1.2+, certificate and host name verified, SNI set) and the mapping of
 * node's TLS failures onto ETLS errors that tell the user what went wrong and how to fix it.
 */
import net from 'node:net';
import tls from 'node:tls';
import { SmtpError, type SmtpPhase } from '../errors.js';

/** node:tls options pass through; these are the ones mailwire sets defaults for. */
export type TlsSettings = Omit<tls.ConnectionOptions, 'socket' | 'host' | 'port' | 'path'>;

export function buildTlsOptions(host: string, settings: TlsSettings = {}): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    ...settings,
  };
  // SNI must be a host name; an IP literal is not allowed in server_name (RFC 6066 section 3).
  if (options.servername === undefined && net.isIP(host) === 0) options.servername = host;
  // Certificate identity is checked against the name the user gave, even when we connect to a pinned IP.
  if (options.checkServerIdentity === undefined) {
    const identity = options.servername || host;
    options.checkServerIdentity = (_hostname, cert) => defaultCheck(identity, cert);
  }
  return options;
}

function defaultCheck(identity: string, cert: tls.PeerCertificate): Error | undefined {
  return tls.checkServerIdentity(identity, cert);
}

const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request/i;

/**
 * Plaintext where a handshake was expected means different things by phase. Connecting with implicit TLS, it
 * is the wrong port or security setting. After a STARTTLS 220 the server already agreed to TLS: plaintext
 * then is a broken server or something injecting bytes into the connection, and port advice would mislead.
 */
const NOT_TLS_AFTER_STARTTLS =
  'the server agreed to STARTTLS, then answered the handshake with plaintext: a broken server, or something on the path injecting data into the connection';

const HINTS: Array<[RegExp, string]> = [
  [NOT_TLS, 'the server did not speak TLS: port 587 and 25 use security "starttls", port 465 uses "tls"'],
  [/CERT_HAS_EXPIRED|certificate has expired/i, 'the server certificate has expired'],
  [/DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|self.signed/i,
    'the certificate is self-signed: trust its CA with tls.ca, or (for testing only) set tls.rejectUnauthorized=false'],
  [/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/i,
    'the certificate chain is incomplete or its CA is not trusted: pass the CA with tls.ca'],
  [/ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match/i,
    'the certificate was issued for another host name: connect by the name on the certificate or set tls.servername'],
  [/unsupported protocol|protocol version|no protocols available/i,
    'no TLS version both sides accept: check tls.minVersion'],
];

export function mapTlsError(err: Error, phase: SmtpPhase): SmtpError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const detail = `${code} ${err.message}`;
  const hint = phase === 'starttls' && NOT_TLS.test(detail) ? NOT_TLS_AFTER_STARTTLS : HINTS.find(([re]) => re.test(detail))?.[1];
  return new SmtpError('ETLS', `TLS failed: ${err.message}${hint ? ` (${hint})` : ''}`, {
    phase,
    transient: false,
    cause: err,
    ...(hint ? { hint } : {}),
  });
}
