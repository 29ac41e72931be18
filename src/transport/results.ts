/** What a send and a verify resolve with, and what a send takes besides the message. */
import type { Envelope, RejectedRecipient } from '../connection/transaction.js';
import type { SmtpError } from '../errors.js';
import type { AddressInput } from '../mime/message.js';

/** What a delivered send resolves with: accepted and rejected recipients, the server's reply, Message-ID, attempts. */
export interface SendInfo {
  messageId: string;
  envelope: Envelope;
  accepted: string[];
  rejected: RejectedRecipient[];
  /** The server's reply to the end of the message. */
  response: string;
  /** Tries it took (1 when the first one delivered). */
  attempts: number;
  /** Which configuration delivered (index into the array given to createTransport). */
  via: { index: number; host: string; port: number };
  messageBytes: number;
  durationMs: number;
  /**
   * Present when something the caller asked for was not done, one word per kind:
   * - 'dsn-not-offered': the message asked for DSN but the server does not offer it, so the DSN parameters
   *   were left out (the message was sent; no delivery notifications will come as asked).
   */
  warnings?: string[];
}

/** Options of `verify()`: which configuration, and an address to send a test message to. */
export interface VerifyOptions {
  /** Which configuration to check (index into the array given to createTransport). Default 0. */
  index?: number;
  /** Also send a short test message to this address, on the verified session. */
  to?: AddressInput | AddressInput[];
  /** The test message's sender. Default: the configuration's `from`. */
  from?: AddressInput;
}

/** What became of verify({ to })'s test message. */
export interface VerifyTestMessage {
  /** True when the server accepted it for every recipient. */
  sent: boolean;
  messageId: string;
  accepted: string[];
  rejected: RejectedRecipient[];
  /** The server's reply to the end of the message (when it got that far). */
  response?: string;
  /** Why it was not sent (with its hint). */
  error?: SmtpError;
}

/** What `verify()` found: ok, the security and TLS used, the server's capabilities and greeting, the AUTH mechanism, timings, and the test message if one was sent. */
export interface VerifyReport {
  /** The session worked and, with `to`, the test message was accepted for every recipient. */
  ok: boolean;
  /**
   * Without credentials: the server offers AUTH and refused the test message's MAIL/RCPT (530, or a 5.7.x
   * refusal such as 554 5.7.1 Access denied). Set auth: { user, pass }.
   */
  authRequired?: boolean;
  testMessage?: VerifyTestMessage;
  host: string;
  port: number;
  security: string;
  tls?: { protocol: string; cipher: string; authorized: boolean };
  capabilities: Record<string, string[]>;
  authMethod?: string;
  greeting: string;
  timings: { connectMs: number; tlsMs?: number; authMs?: number; totalMs: number };
}

/** Options of one `send()` / `sendRaw()` call: an AbortSignal, and a hook before the final dot. */
export interface SendCallOptions {
  signal?: AbortSignal;
  /**
   * Awaited just before the final dot (or BDAT LAST) of each attempt: a queue records "this message may be
   * on its way" there, so a crash after the dot is never mistaken for "not sent". A rejection ends the
   * attempt with delivery 'none' (EABORT unless it is an SmtpError), and it is not retried.
   */
  beforeCommit?: () => void | Promise<void>;
  /** RFC 8689 REQUIRETLS for sendRaw (send() reads it from the message): see MailMessage.requireTls. */
  requireTls?: boolean;
}
