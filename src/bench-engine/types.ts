/** Shapes of the load generator behind `mailwire bench`. Options are plain data: they cross to worker threads. */
import type { Security } from '../connection/options.js';
import type { AuthMethod } from '../sasl/select.js';

export interface BenchTarget {
  host: string;
  port: number;
  security: Security;
  /** The subset of TLS settings that can be cloned to a worker thread. */
  tls?: { rejectUnauthorized?: boolean; ca?: string; servername?: string; minVersion?: 'TLSv1.2' | 'TLSv1.3' };
  auth?: { user: string; pass: string; method?: AuthMethod };
  clientName?: string;
  /** Connect, greeting and command timeout (default 30 s). */
  timeoutMs?: number;
}

export interface BenchOptions {
  target: BenchTarget;
  /** SMTP sessions kept open at the same time (split across workers). */
  connections: number;
  /** Messages to send in total. With durationMs too, whichever ends first. */
  messages?: number;
  /** Send for this long (ms). */
  durationMs?: number;
  /** Approximate size of each message in bytes (headers included). */
  size: number;
  /** Recipients per message. */
  recipients: number;
  /** Up to two transactions in flight per connection (needs the server's PIPELINING); false = one at a time, no PIPELINING. */
  pipelining: boolean;
  /**
   * 'pump' (default): the client opens each session (connect, TLS, AUTH), then a lean loop sends the
   * prepared messages on its socket. 'client': every message through SmtpConnection.send(), which measures
   * the library's own transaction.
   */
  engine?: BenchEngine;
  /** worker_threads to spread the connections over; 1 = run in this thread. */
  workers: number;
  /** Envelope sender. */
  from: string;
  /** Recipients are rcpt1@DOMAIN ... rcptR@DOMAIN. */
  recipientDomain: string;
}

export type BenchEngine = 'pump' | 'client';

/** The engines `mailwire bench --engine` accepts. */
export const BENCH_ENGINES: readonly BenchEngine[] = ['pump', 'client'];

export interface BenchProgress {
  sent: number;
  failed: number;
  elapsedMs: number;
}

export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface BenchResult {
  target: { host: string; port: number; security: Security };
  connections: number;
  workers: number;
  pipelining: boolean;
  engine: BenchEngine;
  size: number;
  recipients: number;
  messages: {
    /** null in duration mode. */
    requested: number | null;
    /** sent + failed. */
    attempted: number;
    sent: number;
    failed: number;
    /** Requested but never tried (every connection gave up, or the run was interrupted). */
    notAttempted: number;
  };
  /** Bytes of message content sent (accepted messages). */
  bytes: number;
  durationMs: number;
  throughput: { messagesPerSec: number; bytesPerSec: number };
  /** Per message, from send() to the server's final reply; null when nothing was sent. */
  latencyMs: LatencySummary | null;
  /** Failed messages by error code (sums to messages.failed). */
  errors: Record<string, number>;
  /** Failed attempts to open a session by error code (not counted as messages). */
  connectionErrors: Record<string, number>;
  /** The first message seen for each code in errors and connectionErrors. */
  errorMessages: Record<string, string>;
  /** Sessions opened (more than `connections` when broken ones were replaced). */
  sessionsOpened: number;
  interrupted: boolean;
}
