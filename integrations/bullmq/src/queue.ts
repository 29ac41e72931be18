/**
 * createMailQueue: the producer side. enqueue() fixes the Message-ID (so every retry of the job sends the
 * same one), checks the idempotency record (a key already sent returns the earlier result and adds
 * nothing), then adds the job under an id derived from the key, which BullMQ itself deduplicates.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { MailMessage } from 'mailwire';
import { connect, type ConnectionInput } from './redis.js';
import { checkName, jobIdFor, keysFor, queueName } from './names.js';
import { encodeMessage, messageIdFor } from './payload.js';
import { IdempotencyRecord, type RecordState } from './record.js';
import type { JobData, ParkedMessage, SentResult, QueueStats } from './types.js';
import { readParked, readStats } from './inspect.js';

export interface MailQueueOptions {
  connection: ConnectionInput;
  name: string;
  /** BullMQ job options for every job (attempts, backoff, removeOnComplete...). Defaults: DEFAULT_JOB_OPTIONS. */
  jobOptions?: JobsOptions;
  /** How long a sent or failed record is kept (its key stays deduplicated that long). Default 30 days; 0 = forever. */
  retainSeconds?: number;
}

export interface EnqueueOptions {
  /** Default: the message's Message-ID (generated here when the message has none). */
  idempotencyKey?: string;
  /** Milliseconds before the job may run. */
  delay?: number;
  /** BullMQ priority: 1 is the highest; unset jobs run before prioritized ones. */
  priority?: number;
  /** Sends through the tenant's own queue (its own worker slots and rate limit; see README). */
  tenant?: string;
}

export interface EnqueueResult {
  /** 'queued' for a new job; otherwise the key's current state (the job was not added again). */
  status: RecordState;
  key: string;
  messageId: string;
  jobId: string;
  /** The earlier result when the key was already sent. */
  result?: SentResult;
}

export interface MailQueue {
  enqueue(message: MailMessage, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** Messages a human must decide about: they may or may not have been delivered. */
  listParked(): Promise<ParkedMessage[]>;
  stats(): Promise<QueueStats>;
  close(): Promise<void>;
}

/** Retries with BullMQ's exponential backoff; failed jobs stay for inspection. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 10_000 },
  removeOnFail: false,
};

const DEFAULT_RETAIN = 30 * 24 * 3600;

export function createMailQueue(options: MailQueueOptions): MailQueue {
  const name = checkName(options.name, 'name');
  const redis = connect(options.connection);
  const keys = keysFor(name);
  const record = new IdempotencyRecord(redis.client, keys, options.retainSeconds ?? DEFAULT_RETAIN);
  const jobOptions = { ...DEFAULT_JOB_OPTIONS, ...options.jobOptions };
  const queues = new Map<string, Queue<JobData>>();
  const queueFor = (tenant: string | undefined): Queue<JobData> => {
    const qname = queueName(name, tenant);
    let queue = queues.get(qname);
    if (!queue) {
      queue = new Queue<JobData>(qname, { connection: redis.client });
      queues.set(qname, queue);
    }
    return queue;
  };

  return {
    async enqueue(message, opts = {}) {
      // Validation before anything touches Redis: a refused message leaves no record behind.
      const data = encodeMessage(message);
      const tenant = opts.tenant === undefined ? undefined : checkName(opts.tenant, 'tenant');
      const proposedId = messageIdFor(message);
      const key = opts.idempotencyKey ?? proposedId;
      if (typeof key !== 'string' || key === '' || key.length > 512) {
        throw new TypeError('idempotencyKey must be a non-empty string of at most 512 characters');
      }
      const decision = await record.enqueue(key, proposedId, tenant);
      // A key already queued keeps its queue: the same job id added to another tenant's queue would be a
      // second job (harmless for delivery, the record still admits one dot, but a needless park risk).
      const queue = queueFor(decision.tenant === '' ? undefined : decision.tenant);
      // The key keeps the Message-ID it was first queued with, so a retry of a failed key is the same message.
      const messageId = decision.messageId ?? proposedId;
      const jobId = jobIdFor(key, decision.generation);
      if (decision.state === 'sent' || decision.state === 'parked' || decision.state === 'sending') {
        const out: EnqueueResult = { status: decision.state, key, messageId, jobId };
        if (decision.result !== undefined) out.result = JSON.parse(decision.result) as SentResult;
        return out;
      }
      // 'queued': also for a key that was queued before. Adding again is harmless (same job id: BullMQ
      // keeps the existing job) and covers a producer that died between the record and the add.
      const job: JobData = { key, messageId, message: { ...data, messageId } };
      if (decision.tenant !== '') job.tenant = decision.tenant;
      await queue.add('send', job, {
        ...jobOptions,
        jobId,
        ...(opts.delay !== undefined ? { delay: opts.delay } : {}),
        ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      });
      return { status: 'queued', key, messageId, jobId };
    },

    listParked: () => readParked(redis.client, keys),

    async stats() {
      const tenants = await redis.client.smembers(keys.tenants);
      for (const tenant of tenants) queueFor(tenant);
      queueFor(undefined);
      return readStats(redis.client, keys, [...queues.values()]);
    },

    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      await redis.release();
    },
  };
}
