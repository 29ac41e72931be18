/**
 * Picks the SASL mechanism for one AUTH attempt from what the server offers, what the user asked for and
 * how the channel is protected, and refuses the combinations that would expose a secret.
 */

import { SmtpError } from '../errors.js';
import { CramMd5Mechanism } from './cram-md5.js';
import { LoginMechanism } from './login.js';
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { authConfigError, hasAccessToken } from './mechanism.js';
import { PlainMechanism } from './plain.js';
import type { ScramOptions } from './scram-sha-256.js';
import { ScramSha256Mechanism } from './scram-sha-256.js';
import { XOAuth2Mechanism } from './xoauth2.js';
import { OAuthBearerMechanism, type OAuthBearerServer } from './oauthbearer.js';

/** A SASL mechanism name, or `auto` for the strongest the server offers. */
export type AuthMethod = 'auto' | 'plain' | 'login' | 'cram-md5' | 'xoauth2' | 'oauthbearer' | 'scram-sha-256';
export type ExplicitAuthMethod = Exclude<AuthMethod, 'auto'>;

export interface SelectOptions {
  /** Upper-case mechanisms from EHLO (case is normalised again here, to be forgiving). */
  offered: string[];
  method: AuthMethod;
  credentials: SaslCredentials;
  /** Is the channel TLS-protected now. */
  secure: boolean;
  /** Is the peer a loopback address / localhost. */
  loopback: boolean;
  /** User opted in to PLAIN/LOGIN/XOAUTH2 over plaintext. */
  allowInsecureAuth: boolean;
  /** The server as configured (name and port), for OAUTHBEARER's host= and port= fields. */
  server?: OAuthBearerServer;
}

/** Extras for createMechanism (tests replay known exchanges with a fixed SCRAM nonce). */
export interface MechanismOptions {
  scram?: ScramOptions;
  server?: OAuthBearerServer;
}

const WIRE_NAMES: Readonly<Record<ExplicitAuthMethod, string>> = {
  plain: 'PLAIN',
  login: 'LOGIN',
  'cram-md5': 'CRAM-MD5',
  xoauth2: 'XOAUTH2',
  oauthbearer: 'OAUTHBEARER',
  'scram-sha-256': 'SCRAM-SHA-256',
};

/** Mechanisms that put a reusable secret (password or bearer token) on the wire, merely base64-encoded. */
const CLEARTEXT_SECRET: ReadonlySet<string> = new Set(['PLAIN', 'LOGIN', 'XOAUTH2', 'OAUTHBEARER']);

/**
 * Password mechanisms for 'auto', strongest first.
 * - SCRAM-SHA-256 always leads: salted, iterated, never reveals the password, and authenticates the server.
 * - Over TLS the channel already protects the password, so PLAIN comes next: it is the most widely
 *   supported and lets the server keep only a hash; LOGIN is the same thing in two steps; CRAM-MD5 comes
 *   last because it forces the server to store the plain password and rests on MD5.
 * - Over plaintext CRAM-MD5 wins over PLAIN/LOGIN because it keeps the password off the wire; PLAIN and
 *   LOGIN stay as a last resort only where the channel policy allows them (loopback or opted in).
 */
const ORDER_TLS: readonly ExplicitAuthMethod[] = ['scram-sha-256', 'plain', 'login', 'cram-md5'];
const ORDER_PLAINTEXT: readonly ExplicitAuthMethod[] = ['scram-sha-256', 'cram-md5', 'plain', 'login'];

export function createMechanism(
  name: ExplicitAuthMethod,
  credentials: SaslCredentials,
  options: MechanismOptions = {},
): SaslMechanism {
  switch (name) {
    case 'plain':
      return new PlainMechanism(credentials);
    case 'login':
      return new LoginMechanism(credentials);
    case 'cram-md5':
      return new CramMd5Mechanism(credentials);
    case 'xoauth2':
      return new XOAuth2Mechanism(credentials);
    case 'oauthbearer':
      return new OAuthBearerMechanism(credentials, options.server);
    case 'scram-sha-256':
      return new ScramSha256Mechanism(credentials, options.scram);
    default:
      throw authConfigError(`unknown auth method ${JSON.stringify(name)}; use one of auto, ${Object.keys(WIRE_NAMES).join(', ')}`);
  }
}

export function selectMechanism(o: SelectOptions): SaslMechanism {
  const offered = o.offered.map((m) => m.toUpperCase());
  const channelAllowsCleartext = o.secure || o.loopback || o.allowInsecureAuth;
  if (offered.length === 0) {
    const hint = o.secure ? '' : ' (many servers advertise AUTH only after STARTTLS; use security "starttls" or "tls")';
    throw refusal(`the server offers no authentication mechanisms${hint}`);
  }
  const list = offered.join(', ');

  if (o.method !== 'auto') {
    const wire = WIRE_NAMES[o.method] as string | undefined;
    if (wire === undefined) return createMechanism(o.method, o.credentials); // unknown method: ECONFIG there
    if (!offered.includes(wire)) throw refusal(`the server does not offer ${wire}; it offers: ${list}`);
    if (CLEARTEXT_SECRET.has(wire) && !channelAllowsCleartext) throw refusal(insecureReason(wire));
    return createMechanism(o.method, o.credentials, o.server ? { server: o.server } : {});
  }

  // A token means the user set up OAuth2: silently falling back to a password mechanism would be a surprise.
  // OAUTHBEARER is the standard (RFC 7628) and wins when offered; XOAUTH2 is what Google and Microsoft speak.
  if (hasAccessToken(o.credentials)) {
    const bearer: ExplicitAuthMethod | undefined = offered.includes('OAUTHBEARER') ? 'oauthbearer' : offered.includes('XOAUTH2') ? 'xoauth2' : undefined;
    if (bearer === undefined) {
      throw refusal(`the credentials carry an OAuth2 access token but the server offers neither OAUTHBEARER nor XOAUTH2; it offers: ${list}`);
    }
    if (!channelAllowsCleartext) throw refusal(insecureReason(WIRE_NAMES[bearer]));
    return createMechanism(bearer, o.credentials, o.server ? { server: o.server } : {});
  }

  const order = o.secure ? ORDER_TLS : ORDER_PLAINTEXT;
  const usable = order.filter((m) => offered.includes(WIRE_NAMES[m]));
  const allowed = usable.filter((m) => channelAllowsCleartext || !CLEARTEXT_SECRET.has(WIRE_NAMES[m]));
  const chosen = allowed[0];
  if (chosen !== undefined) return createMechanism(chosen, o.credentials);
  if (usable.length > 0) {
    throw refusal(
      `the server offers only ${usable.map((m) => WIRE_NAMES[m]).join(', ')} on this unencrypted connection, ` +
        'which would send the password in clear text; use security "starttls" or "tls", ' +
        'or set allowInsecureAuth: true to accept the risk',
    );
  }
  const bearers = offered.filter((m) => m === 'XOAUTH2' || m === 'OAUTHBEARER');
  if (bearers.length > 0) {
    throw refusal(`the server offers ${list}: of these mailwire supports only ${bearers.join(', ')}, which needs auth.accessToken, auth.getAccessToken or auth.oauth2`);
  }
  const supported = Object.values(WIRE_NAMES).join(', ');
  throw refusal(`none of the server's mechanisms (${list}) is supported; mailwire supports ${supported}`);
}

function insecureReason(wire: string): string {
  const secret = wire === 'XOAUTH2' || wire === 'OAUTHBEARER' ? 'the access token' : 'the password';
  return (
    `refusing ${wire} on an unencrypted connection to a non-loopback host: it would send ${secret} in clear text; ` +
    'use security "starttls" or "tls", or set allowInsecureAuth: true to accept the risk'
  );
}

function refusal(reason: string): SmtpError {
  return new SmtpError('EAUTH', `cannot authenticate: ${reason}`, { phase: 'auth', transient: false });
}
