/** What a send and a verify resolve with, and what a send takes besides the message. */
import type { Envelope, RejectedRecipient } from '../connection/transaction.js';

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
}

export interface VerifyReport {
  host: string;
  port: number;
  security: string;
  tls?: { protocol: string; cipher: string; authorized: boolean };
  capabilities: Record<string, string[]>;
  authMethod?: string;
  greeting: string;
  timings: { connectMs: number; tlsMs?: number; authMs?: number; totalMs: number };
}

export interface SendCallOptions {
  signal?: AbortSignal;
  /**
   * Awaited just before the final dot (or BDAT LAST) of each attempt: a queue records "this message may be
   * on its way" there, so a crash after the dot is never mistaken for "not sent". A rejection ends the
   * attempt with delivery 'none' (EABORT unless it is an SmtpError), and it is not retried.
   */
  beforeCommit?: () => void | Promise<void>;
}
