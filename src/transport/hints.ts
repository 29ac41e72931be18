/**
 * SmtpError.hint: the fix for the common failures, in one sentence and in library terms (the CLI turns
 * it into its flags, src/cli/hint-terms.ts). A hint is only given where the cause is clear from what
 * happened; otherwise the server's own words have to do.
 */
import { SmtpError } from '../errors.js';
import type { Security } from '../connection/options.js';

/** Ports where the server speaks TLS from the first byte (RFC 8314). */
export function looksLikeImplicitTls(port: number): boolean {
  return port === 465;
}

/** A copy of `error` with a hint (and, optionally, another `transient`); the original is the cause. */
export function withHint(error: SmtpError, hint: string, transient = error.transient): SmtpError {
  return new SmtpError(error.code, error.message, {
    phase: error.phase,
    ...(error.replyCode !== undefined ? { replyCode: error.replyCode } : {}),
    ...(error.enhancedCode !== undefined ? { enhancedCode: error.enhancedCode } : {}),
    ...(error.response !== undefined ? { response: error.response } : {}),
    ...(error.command !== undefined ? { command: error.command } : {}),
    transient,
    delivery: error.delivery,
    cause: error.cause ?? error,
    hint,
  });
}

export interface HintContext {
  port: number;
  security: Security;
}

/**
 * 465/587 confusion: STARTTLS (or plaintext) to an implicit-TLS port waits for a greeting that never comes;
 * implicit TLS to a plaintext port fails its handshake. Neither gets better by trying again, so the
 * greeting timeout is made permanent (not retried three times over ~90 s).
 */
export function connectionHint(error: SmtpError, ctx: HintContext): SmtpError {
  if (error.hint !== undefined) return error;
  if (error.code === 'ETIMEDOUT' && error.phase === 'greeting' && ctx.security !== 'tls' && looksLikeImplicitTls(ctx.port)) {
    return withHint(error, `port ${ctx.port} expects TLS from the first byte: use security: 'tls' (or port 587 with security: 'starttls')`, false);
  }
  if (ctx.security === 'tls' && !looksLikeImplicitTls(ctx.port) && (error.code === 'ETLS' || error.code === 'ECONNECTION') && error.phase === 'connect' &&
    /wrong version number|packet length too long|unknown protocol|http request|record layer failure/i.test(error.message)) {
    return withHint(error, `port ${ctx.port} speaks plaintext first and upgrades with STARTTLS: use security: 'starttls' (or port 465 with security: 'tls')`, false);
  }
  return error;
}
