/** Shapes stored in Redis and returned to callers. */
import type { Encoded } from './payload.js';

/** The job's data: the message as JSON, with its Message-ID fixed. */
export interface JobData {
  key: string;
  messageId: string;
  message: Encoded;
  tenant?: string;
  /** Set when the job failed for good or was parked with an error: the SmtpError's fields. */
  failure?: FailureFields;
}

/** What a sent key remembers (and a duplicate enqueue returns). */
export interface SentResult {
  messageId: string;
  accepted: string[];
  rejected: Array<{ address: string; code: number; message: string }>;
  response: string;
  via: { host: string; port: number };
  at: number;
}

/** The SmtpError fields kept on a failed or parked job. */
export interface FailureFields {
  code: string;
  message: string;
  phase: string;
  transient: boolean;
  delivery: 'none' | 'unknown';
  replyCode?: number;
  enhancedCode?: string;
  response?: string;
}

/** What the worker returns for a job (BullMQ's returnvalue). */
export type JobOutcome = { status: 'sent'; result: SentResult; earlier?: boolean };

export interface ParkedMessage {
  key: string;
  messageId: string | undefined;
  /** Why it was parked. */
  reason: string;
  /** The job that parked it, and the one whose attempt held the mark. */
  parkedBy: string | undefined;
  job: string | undefined;
  /** The attempt that marked it sending, the worker that ran it, when. */
  attempt: string | undefined;
  worker: string | undefined;
  markedAt: number | undefined;
  parkedAt: number | undefined;
  /** The error of that attempt, when it reported one (delivery 'unknown'). */
  error: FailureFields | undefined;
}

export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  completed: number;
  /** BullMQ's failed set: permanent failures AND parked jobs (a parked job fails its BullMQ job). */
  failed: number;
  parked: number;
  /** Per BullMQ queue (the default queue and each tenant's). */
  queues: Record<string, Record<string, number>>;
}
