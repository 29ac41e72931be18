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
  /**
   * Present when something the caller asked for was not done, one word per kind:
   * - 'dsn-not-offered': the message asked for DSN but the server does not offer it, so the DSN parameters
   *   were left out (the message was sent; no delivery notifications will come as asked).
   */
  warnings?: string[];
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
  /** RFC 8689 REQUIRETLS for sendRaw (send() reads it from the message): see MailMessage.requireTls. */
  requireTls?: boolean;
}
