/**
 * SmtpError.hint: the fix for the common failures, in one sentence and in library terms (the CLI turns
 * it into its flags, src/cli/hint-terms.ts). A hint is only given where the cause is clear from what
 * happened; otherwise the server's own words have to do.
 */
import { SmtpError } from '../errors.js';
import { isLoopbackHost, type Security } from '../connection/options.js';

/** EAUTH because no mechanism could be used: the message says what to do, a password hint would mislead. */
const NO_MECHANISM = /not offered|no (?:usable |authentication )?mechanisms?|does not offer|offers no/i;

/** Ports where the server speaks TLS from the first byte (RFC 8314). */
export function looksLikeImplicitTls(port: number): boolean {
  return port === 465;
}

/** A copy of `error` with a hint (and, optionally, another `transient`); every other field is kept. */
export function withHint(error: SmtpError, hint: string, transient = error.transient): SmtpError {
  return error.with({ hint, transient });
}

export interface HintContext {
  host: string;
  port: number;
  security: Security;
}

/**
 * 465/587 confusion: STARTTLS (or plaintext) to an implicit-TLS port waits for a greeting that never comes;
 * implicit TLS to a plaintext port fails its handshake. Neither gets better by trying again, so the
 * greeting timeout is made permanent (not retried three times over ~90 s).
 */
export function connectionHint(error: SmtpError, ctx: HintContext): SmtpError {
  if (error.code === 'ETIMEDOUT' && error.phase === 'greeting' && ctx.security !== 'tls' && looksLikeImplicitTls(ctx.port)) {
    return withHint(error, `port ${ctx.port} expects TLS from the first byte: use security: 'tls' (or port 587 with security: 'starttls')`, false);
  }
  if (error.code === 'ETLS' && error.phase === 'starttls' && /does not offer STARTTLS/.test(error.message)) {
    if (looksLikeImplicitTls(ctx.port)) return withHint(error, `port ${ctx.port} expects TLS from the first byte: use security: 'tls'`, false);
    if (isLoopbackHost(ctx.host)) {
      return withHint(error, "this local server has no STARTTLS (a test server such as mailwire sink without --tls): use security: 'none' for it", false);
    }
    return withHint(error, "the server offers no STARTTLS on this port: try port 465 with security: 'tls'; plaintext (security: 'none') only without a password and over a network you trust", false);
  }
  if (ctx.security === 'tls' && !looksLikeImplicitTls(ctx.port) && (error.code === 'ETLS' || error.code === 'ECONNECTION') && error.phase === 'connect' &&
    /wrong version number|packet length too long|unknown protocol|http request|record layer failure/i.test(error.message)) {
    return withHint(error, `port ${ctx.port} speaks plaintext first and upgrades with STARTTLS: use security: 'starttls' (or port 465 with security: 'tls')`, false);
  }
  return error;
}

/** Providers that want an app password when 2-step verification is on, by the host they send through. */
const APP_PASSWORD_HOSTS: Array<[RegExp, string]> = [
  [/(^|\.)(gmail|googlemail|google)\.com$/i, 'Gmail'],
  [/(^|\.)(outlook|hotmail|live|office365)\.com$/i, 'Outlook'],
  [/(^|\.)yahoo\.com$/i, 'Yahoo'],
  [/(^|\.)(me|icloud|mac)\.com$/i, 'iCloud'],
];

const APP_PASSWORD = 'use an app password (with 2-step verification on), not your account password';

export interface FailureContext extends HintContext {
  host: string;
  /** Credentials were configured. */
  authenticated: boolean;
  /** The preset's advice for failed logins (provider: 'sendgrid' ...). */
  authHint: string | undefined;
  /** The server offered AUTH on the last session opened without credentials. */
  offersAuth: boolean;
}

/**
 * The hint for a failure the library can explain: wrong password (with the provider's app-password rule),
 * AUTH required but no credentials, SMTPUTF8 missing, message too big. 465/587 and certificate problems
 * are explained where they are detected (connectionHint, mapTlsError).
 */
export function failureHint(error: SmtpError, ctx: FailureContext): string | undefined {
  const text = `${error.message} ${error.response ?? ''}`;
  switch (error.code) {
    case 'EAUTH': {
      if (NO_MECHANISM.test(text)) return undefined;
      if (ctx.authHint !== undefined) return ctx.authHint;
      const provider = APP_PASSWORD_HOSTS.find(([re]) => re.test(ctx.host))?.[1];
      if (provider !== undefined) return `${provider}: ${APP_PASSWORD}`;
      if (error.replyCode !== undefined && error.replyCode >= 500) {
        return 'check auth.user and auth.pass; Gmail, Outlook, Yahoo and iCloud with 2-step verification want an app password, not the account password';
      }
      return undefined;
    }
    case 'ESIZE':
      return 'the message is larger than the server takes: send less (link large files instead of attaching them)';
    default:
      break;
  }
  if (error.replyCode === 552 && (error.enhancedCode === '5.3.4' || /too (big|large)|size/i.test(text))) {
    return 'the message is larger than the server takes: send less (link large files instead of attaching them)';
  }
  if (/does not offer SMTPUTF8/.test(error.message)) {
    return 'this server cannot take non-ASCII addresses (no SMTPUTF8): use an ASCII address for it, or send through a server that offers SMTPUTF8';
  }
  if (!ctx.authenticated && ctx.offersAuth && (error.phase === 'mail' || error.phase === 'rcpt') && authRequiredReply(error)) {
    return 'the server requires authentication before it accepts mail: set auth: { user, pass }';
  }
  return undefined;
}

/** 530 (authentication required), or a 5.7.x policy refusal such as 554 5.7.1 Access denied / relay denied. */
export function authRequiredReply(error: SmtpError): boolean {
  if (error.replyCode === 530) return true;
  return (error.replyCode === 554 || error.replyCode === 550 || error.replyCode === 553) && (error.enhancedCode ?? '').startsWith('5.7.');
}

/**
 * The fix for a failure, in library terms: the error's own hint, else advice for the failures whose cause
 * shows in the error alone (nothing listening, a name that does not resolve, a stalled greeting...).
 * Undefined when there is nothing better to say than the error. The CLI prints this in its flag terms.
 */
export function explainError(error: unknown): string | undefined {
  if (!SmtpError.is(error)) return undefined;
  if (error.hint !== undefined) return error.hint;
  const text = `${error.message} ${error.response ?? ''}`;
  switch (error.code) {
    case 'EAUTH':
      if (NO_MECHANISM.test(text)) return undefined;
      return 'check auth.user and auth.pass; Gmail, Outlook, Yahoo and iCloud with 2-step verification want an app password, not the account password';
    case 'ECONNECTION':
      if (/ECONNREFUSED/.test(text)) return 'nothing is listening there: check host and port (587 submission with STARTTLS, 465 implicit TLS, 25 relay)';
      if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'the host name does not resolve: check the spelling and your DNS';
      return undefined;
    case 'ETIMEDOUT':
      if (error.phase === 'greeting') return "connected, but no SMTP greeting arrived: port 465 speaks TLS first (security: 'tls'); otherwise the server or a firewall is stalling";
      if (error.phase === 'connect') return 'no answer at all: a firewall may drop the port (many networks block 25 and 465 outbound)';
      return undefined;
    case 'ETLS':
      if (/STARTTLS/.test(text) && /does not offer/.test(text)) {
        return "the server offers no STARTTLS here: on port 465 use security: 'tls'; plaintext only with security: 'none' (never with a password over a network)";
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * A preset's advice for a failed login ("SendGrid: the user is literally apikey ..."), as the hint and, as
 * before the hint existed, at the end of the message.
 */
export function withPresetHint(error: SmtpError, authHint: string | undefined): SmtpError {
  // An error that already carries its own hint (a refused OAuth2 token) keeps it: the preset's is about passwords.
  if (error.code !== 'EAUTH' || !authHint || error.hint !== undefined || error.message.includes(authHint)) return error;
  return error.with({ message: `${error.message} (hint: ${authHint})`, hint: authHint });
}
