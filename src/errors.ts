/**
 * SmtpError: the one error type mailwire throws.
 *
 * Codes are stable strings (nodemailer's vocabulary where it has one) so callers can branch on them and
 * migrate. The class is branded with a global symbol so `SmtpError.is(err)` works even when two copies of
 * the package are loaded (a common situation with nested node_modules).
 */

export type SmtpErrorCode =
  | 'ECONFIG' // bad options
  | 'EGUARD' // rejected input: CR/LF/NUL, reserved header, size cap, bad address, blocked destination
  | 'ECONNECTION' // socket could not be opened or died
  | 'ETIMEDOUT' // a phase took too long
  | 'ETLS' // handshake, certificate, or STARTTLS required but not possible
  | 'EAUTH' // authentication failed or impossible
  | 'EENVELOPE' // sender refused, or every recipient refused
  | 'EMESSAGE' // DATA / BDAT refused
  | 'ESIZE' // message larger than the server's SIZE
  | 'EPROTOCOL' // malformed or unexpected reply, framing error
  | 'EABORT' // cancelled through an AbortSignal
  | 'ECLOSED'; // transport or connection already closed

export type SmtpPhase =
  | 'connect'
  | 'greeting'
  | 'ehlo'
  | 'starttls'
  | 'auth'
  | 'mail'
  | 'rcpt'
  | 'data'
  | 'quit'
  | 'compose'
  | 'config';

/** 'none': the server certainly did not accept the message. 'unknown': the connection died after the final dot. */
export type DeliveryState = 'none' | 'unknown';

export interface SmtpErrorOptions {
  phase?: SmtpPhase;
  replyCode?: number;
  enhancedCode?: string;
  response?: string;
  command?: string;
  transient?: boolean;
  delivery?: DeliveryState;
  cause?: unknown;
  hint?: string;
}

const BRAND = Symbol.for('mailwire.SmtpError');

export class SmtpError extends Error {
  override readonly name: string = 'SmtpError';
  readonly code: SmtpErrorCode;
  readonly phase: SmtpPhase;
  readonly replyCode?: number;
  readonly enhancedCode?: string;
  readonly response?: string;
  readonly command?: string;
  readonly transient: boolean;
  readonly delivery: DeliveryState;
  /** The fix in one sentence, in library terms, for the common failures (wrong password, 465/587, ...). */
  readonly hint?: string;

  constructor(code: SmtpErrorCode, message: string, options: SmtpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.phase = options.phase ?? 'config';
    if (options.replyCode !== undefined) this.replyCode = options.replyCode;
    if (options.enhancedCode !== undefined) this.enhancedCode = options.enhancedCode;
    if (options.response !== undefined) this.response = options.response;
    if (options.command !== undefined) this.command = options.command;
    this.transient = options.transient ?? defaultTransient(code, options.replyCode);
    this.delivery = options.delivery ?? 'none';
    if (options.hint !== undefined) this.hint = options.hint;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any mailwire SmtpError, even one created by another copy of the package. */
  static is(value: unknown): value is SmtpError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return SmtpError.is(value);
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message, phase: this.phase };
    for (const key of ['replyCode', 'enhancedCode', 'response', 'command'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    out.transient = this.transient;
    out.delivery = this.delivery;
    return out;
  }
}

function defaultTransient(code: SmtpErrorCode, replyCode: number | undefined): boolean {
  if (replyCode !== undefined) return replyCode >= 400 && replyCode < 500;
  return code === 'ECONNECTION' || code === 'ETIMEDOUT';
}

/**
 * A caller's stream or file failed while mailwire read it (an SmtpError from a guard or the channel passes
 * through): the message's fault, not the connection's, and a stream already read cannot be sent again, so
 * EMESSAGE, not retried. `what` says where, e.g. "attachments[0].content: the stream failed".
 */
export function sourceFailure(error: unknown, what: string, phase: SmtpPhase): SmtpError {
  if (SmtpError.is(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SmtpError('EMESSAGE', `${what}: ${reason}`, { phase, transient: false, cause: error });
}

/** Shorthand used by the guards: every rejected input is an EGUARD error in the 'compose' or 'config' phase. */
export function guardError(message: string, phase: SmtpPhase = 'compose'): SmtpError {
  return new SmtpError('EGUARD', message, { phase, transient: false });
}
