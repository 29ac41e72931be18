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

/** The optional fields of an `SmtpError` (phase, reply, hint, rejected recipients...). */
export interface SmtpErrorOptions {
  phase?: SmtpPhase;
  replyCode?: number;
  enhancedCode?: string;
  response?: string;
  command?: string;
  transient?: boolean;
  delivery?: DeliveryState;
  cause?: unknown;
  /** The fix in one sentence, in library terms. */
  hint?: string;
  /** EENVELOPE when every recipient was refused: each one with the server's reply. */
  rejected?: RejectedRecipient[];
}

/** A recipient the server refused (or that was never tried: code 0). */
export interface RejectedRecipient {
  address: string;
  code: number;
  enhancedCode?: string;
  message: string;
}

/** What `SmtpError.from` makes when the value is not already an SmtpError. */
export interface SmtpErrorFallback extends SmtpErrorOptions {
  code: SmtpErrorCode;
  phase: SmtpPhase;
  /** Defaults to `String(error)`. */
  message?: string;
}

/** The fields `error.with()` may change; every other field (cause included) is kept. */
export type SmtpErrorChanges = SmtpErrorOptions & { code?: SmtpErrorCode; message?: string };

const BRAND = Symbol.for('mailwire.SmtpError');

/**
 * The one error type mailwire throws: a stable `code`, the `phase` it happened in, the server's reply
 * (`replyCode`, `enhancedCode`, `response`), whether a retry may help (`transient`), whether the message
 * may have been delivered (`delivery`), and often the fix (`hint`). `instanceof` works across copies of
 * the package (ESM and CommonJS); `SmtpError.is()` does the same as a function.
 *
 * @example
 * ```ts
 * try {
 *   await transport.send(message);
 * } catch (error) {
 *   if (error instanceof SmtpError && error.code === 'EAUTH') console.error(error.message, error.hint);
 *   else throw error;
 * }
 * ```
 */
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
  declare readonly hint?: string;
  declare readonly rejected?: RejectedRecipient[];

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
    // Own properties only when set (declared fields), so errors without them look as before.
    if (options.hint !== undefined) (this as { hint?: string }).hint = options.hint;
    if (options.rejected !== undefined) (this as { rejected?: RejectedRecipient[] }).rejected = options.rejected;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any mailwire SmtpError, even one created by another copy of the package. */
  static is(value: unknown): value is SmtpError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /**
   * The one way to turn anything caught into an SmtpError: an SmtpError (from any copy of the package) is
   * returned as it is; anything else is wrapped with the fallback's code and phase, and kept as `cause`.
   */
  static from(error: unknown, fallback: SmtpErrorFallback): SmtpError {
    if (SmtpError.is(error)) return error;
    const { code, message, ...options } = fallback;
    return new SmtpError(code, message ?? String(error), { ...options, cause: error });
  }

  /**
   * A copy with some fields changed and every other one kept (cause, command, hint, rejected, the stack,
   * the class of a subclass). A field given as `undefined` is removed. Returns this error when nothing
   * changes.
   */
  with(changes: SmtpErrorChanges): SmtpError {
    const keys = Object.keys(changes) as Array<keyof SmtpErrorChanges>;
    const self = this as unknown as Record<string, unknown>;
    if (keys.every((key) => self[key] === changes[key])) return this;
    const copy = Object.create(Object.getPrototypeOf(this) as object) as Record<string, unknown>;
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(this));
    for (const key of keys) {
      const value = changes[key];
      if (value !== undefined) {
        const enumerable = Object.getOwnPropertyDescriptor(copy, key)?.enumerable ?? (key !== 'message' && key !== 'cause');
        Object.defineProperty(copy, key, { value, writable: true, configurable: true, enumerable });
      } else if (key !== 'code' && key !== 'message' && key !== 'phase') delete copy[key];
    }
    if (changes.message !== undefined && typeof this.stack === 'string') {
      const head = `${this.name}: ${this.message}`;
      const stack = this.stack.startsWith(head) ? `${this.name}: ${changes.message}${this.stack.slice(head.length)}` : this.stack;
      Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
    }
    return copy as unknown as SmtpError;
  }

  /** `instanceof SmtpError` is true for an SmtpError from any copy of mailwire (ESM, CommonJS, nested node_modules): see `SmtpError.is`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return SmtpError.is(value);
  }

  /** The error as plain data for logs: code, message, phase, reply, hint... (never a credential). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message, phase: this.phase };
    for (const key of ['replyCode', 'enhancedCode', 'response', 'command'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    out.transient = this.transient;
    out.delivery = this.delivery;
    if (this.hint !== undefined) out.hint = this.hint;
    if (this.rejected !== undefined) out.rejected = this.rejected;
    // `cause` is never serialised: it is whatever was caught (a socket error, the caller's own error) and
    // may carry text mailwire did not write.
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
  const reason = error instanceof Error ? error.message : String(error);
  return SmtpError.from(error, { code: 'EMESSAGE', phase, message: `${what}: ${reason}`, transient: false });
}

/** Shorthand used by the guards: every rejected input is an EGUARD error in the 'compose' or 'config' phase. */
export function guardError(message: string, phase: SmtpPhase = 'compose'): SmtpError {
  return new SmtpError('EGUARD', message, { phase, transient: false });
}
