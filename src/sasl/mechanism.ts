/**
 * The one small interface every SASL mechanism implements, plus the helpers they share.
 *
 * Mechanisms are pure state machines over raw bytes: the connection owns the wire (base64, 334/235/535,
 * cancelling with "*"), so everything here can be tested byte for byte without a socket. A mechanism object
 * is single-use: create a fresh one for every AUTH attempt.
 */

import { SmtpError, guardError } from '../errors.js';

export interface SaslCredentials {
  user: string;
  pass?: string;
  /** XOAUTH2 static bearer token. */
  accessToken?: string;
  /**
   * OAuth2 token provider (XOAUTH2, OAUTHBEARER), called once per AUTH attempt with `{ refresh: false }`.
   * When the server rejects the token, the transport calls it once with `{ refresh: true }` and
   * authenticates again on a fresh connection. A provider that takes no argument works too.
   */
  getAccessToken?: (request: { refresh: boolean }) => Promise<string>;
}

export interface SaslMechanism {
  /** Upper-case wire name, e.g. 'SCRAM-SHA-256'. */
  readonly name: string;
  /** Initial client response (raw bytes, NOT base64) sent with the AUTH command; undefined = wait for a challenge. */
  start(): Promise<Buffer | undefined>;
  /**
   * Given a decoded 334 challenge, return the decoded response. Throws SmtpError('EAUTH') on a bad challenge;
   * the connection should then cancel the exchange with "*" (RFC 4954 section 4).
   */
  next(challenge: Buffer): Promise<Buffer>;
  /**
   * Called after the final 235 with any success data the server put in it. Mechanisms with mutual
   * authentication (SCRAM) verify the server here if they have not already; throws EAUTH if they cannot.
   */
  finish(successData: Buffer | undefined): void;
  /** For error messages: what the server said about the failure (e.g. XOAUTH2 status/schemes). No secrets. */
  readonly failureDetail?: string;
  /** Bearer mechanisms: true once the server answered the token with its error challenge (the token was refused). */
  readonly tokenRejected?: boolean;
}

/** Every failure of the exchange itself: EAUTH in the 'auth' phase, permanent (retrying will not help). */
export function authError(message: string, cause?: unknown): SmtpError {
  return new SmtpError('EAUTH', message, { phase: 'auth', transient: false, cause });
}

/** Rejected credential input (a NUL in PLAIN, a SASLprep-prohibited character): EGUARD, before any byte is sent. */
export function authGuardError(message: string): SmtpError {
  return guardError(message, 'auth');
}

/** Missing or unusable credentials in the options: ECONFIG, reported in the 'auth' phase where it is found. */
export function authConfigError(message: string): SmtpError {
  return new SmtpError('ECONFIG', message, { phase: 'auth', transient: false });
}

/**
 * The password the mechanism needs, or ECONFIG. An empty string counts as missing: no server accepts it,
 * and sending it would only turn a configuration mistake into a confusing 535.
 */
export function requirePassword(credentials: SaslCredentials, mechanism: string): string {
  const pass = credentials.pass;
  if (typeof pass !== 'string' || pass.length === 0) {
    throw authConfigError(`${mechanism} authentication needs a password: set auth.pass`);
  }
  return pass;
}

/** The user name, or ECONFIG when it is missing or empty. */
export function requireUser(credentials: SaslCredentials, mechanism: string): string {
  const user = credentials.user;
  if (typeof user !== 'string' || user.length === 0) {
    throw authConfigError(`${mechanism} authentication needs a user name: set auth.user`);
  }
  return user;
}

/** True when the credentials carry an OAuth2 bearer token or a provider for one. */
export function hasAccessToken(credentials: SaslCredentials): boolean {
  return (
    (typeof credentials.accessToken === 'string' && credentials.accessToken.length > 0) ||
    typeof credentials.getAccessToken === 'function'
  );
}

/**
 * Server text made safe to quote in an error message: any echo of our secrets (raw or base64) replaced,
 * control characters escaped, length capped. Server text is untrusted: it may be long, contain terminal
 * escapes, or (from a broken or hostile server) repeat what we sent.
 */
export function quoteServerText(bytes: Buffer, secrets: readonly string[] = [], max = 200): string {
  const text = redactSecrets(bytes.toString('utf8'), secrets);
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return JSON.stringify(cut);
}

/** Replaces every occurrence of each secret, and of its base64 form, with "[redacted]". */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of [secret, Buffer.from(secret, 'utf8').toString('base64')]) out = out.split(form).join('[redacted]');
  }
  return out;
}
