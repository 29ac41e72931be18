/**
 * startMailWorker: the consumer side. Each job is sent through the caller's transport with a beforeCommit
 * hook that marks the idempotency record `sending` just before the final dot; the outcome then moves the
 * record to sent, back to queued (transient, nothing delivered), failed (permanent) or parked (unknown).
 * A job that finds the key already `sending` under another attempt never sends: it parks the key.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import { SmtpError, type MailMessage, type SendCallOptions, type SendInfo } from 'mailwire';
import { connect, type ConnectionInput } from './redis.js';
import { checkName, keysFor, queueName } from './names.js';
import { decodeMessage } from './payload.js';
import { IdempotencyRecord, type MarkRefusal } from './record.js';
import type { FailureFields, JobData, JobOutcome, SentResult } from './types.js';

/** What the worker needs from a transport (createTransport's result fits). */
export interface MailSender {
  send(message: MailMessage, options?: SendCallOptions): Promise<SendInfo>;
  close(): Promise<void>;
}

export interface RateLimit {
  /** At most `max` jobs per `duration` ms, across every worker of that queue (BullMQ's limiter). */
  max: number;
  duration: number;
}

export interface TenantWorkerOptions {
  concurrency?: number;
  limiter?: RateLimit;
}

export interface MailWorkerOptions {
  connection: ConnectionInput;
  name: string;
  transport: MailSender;
  /** Jobs sent at once by this worker on the default queue. Default 10. */
  concurrency?: number;
  /** Rate limit of the default queue. */
  limiter?: RateLimit;
  /** Tenants this worker serves, each from its own queue (own slots, own rate limit). */
  tenants?: string[] | Record<string, TenantWorkerOptions>;
  /** Passed to every BullMQ Worker (lockDuration, stalledInterval, maxStalledCount...). */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'concurrency' | 'limiter'>>;
  /** Recorded with each mark (who was sending). Default host/pid/random. */
  workerId?: string;
  /** Same as the queue's (sent and failed records expire after it). Default 30 days. */
  retainSeconds?: number;
  /** BullMQ's worker errors (Redis connection trouble...). Default: ignored, BullMQ reconnects by itself. */
  onError?: (error: Error) => void;
}

export interface MailWorker {
  readonly id: string;
  /** Stops taking jobs, lets the ones in flight finish, then closes the transport (QUIT) and Redis. */
  close(): Promise<void>;
}

const FINISH_TRIES = 5;

export function startMailWorker(options: MailWorkerOptions): MailWorker {
  const name = checkName(options.name, 'name');
  const redis = connect(options.connection);
  const keys = keysFor(name);
  const record = new IdempotencyRecord(redis.client, keys, options.retainSeconds ?? 30 * 24 * 3600);
  const workerId = options.workerId ?? `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const transport = options.transport;

  const processor = async (job: Job<JobData>): Promise<JobOutcome> => {
    const { key, messageId } = job.data;
    const jobId = job.id ?? '';
    const attempt = `${jobId}/${job.attemptsStarted}/${randomBytes(4).toString('hex')}`;
    let refusal: MarkRefusal | undefined;
    let markFailed: unknown;
    let info: SendInfo;
    try {
      info = await transport.send(decodeMessage(job.data.message), {
        beforeCommit: async () => {
          try {
            refusal = await record.mark(key, attempt, workerId, jobId);
          } catch (error) {
            markFailed = error;
            throw error;
          }
          if (refusal) throw new Error(`the idempotency record of ${key} is ${refusal.state}`);
        },
      });
    } catch (error) {
      if (refusal) return settleByRecord(job, refusal);
      // Redis did not answer the mark: nothing was committed. BullMQ runs the job again (if the mark did
      // land and only its answer was lost, that run finds it and parks: never a second dot).
      if (markFailed !== undefined) throw markFailed instanceof Error ? markFailed : new Error(String(markFailed));
      const settled = await settleFailure(job, attempt, error);
      if (settled instanceof Error) throw settled;
      return settled;
    }
    const result: SentResult = {
      messageId,
      accepted: info.accepted,
      rejected: info.rejected.map((r) => ({ address: r.address, code: r.code, message: r.message })),
      response: info.response,
      via: { host: info.via.host, port: info.via.port },
      at: Date.now(),
    };
    // The message is at the server: the record must say so. A Redis blip here is retried, since giving
    // up would leave the mark, and the job's next run would park a message known to be delivered.
    for (let i = 1; ; i += 1) {
      try {
        await record.finish(key, attempt, result);
        break;
      } catch (error) {
        if (i >= FINISH_TRIES) throw error;
        await new Promise((r) => setTimeout(r, 100 * 2 ** i));
      }
    }
    return { status: 'sent', result };
  };

  /**
   * The key is not (or no longer) ours: the mark was refused, or a transition found another attempt's mark.
   * The record decides: sent -> the earlier result; sending under another attempt -> parked (that attempt
   * may have reached the server); parked / failed -> so is this job; queued -> run again.
   */
  const settleByRecord = async (job: Job<JobData>, seen: MarkRefusal, rounds = 0): Promise<JobOutcome> => {
    const { key } = job.data;
    switch (seen.state) {
      case 'sent':
        return { status: 'sent', result: JSON.parse(seen.result ?? '{}') as SentResult, earlier: true };
      case 'sending': {
        const reason = `found marked sending by attempt ${seen.attempt} with no result: its worker stopped (or lost Redis) after the mark, which is written just before the final dot, so the message may or may not have been delivered`;
        const parked = await record.park(key, seen.attempt, reason, undefined, job.id ?? '');
        if (parked === 'ok') throw new UnrecoverableError(`parked: ${reason}`);
        // The record moved meanwhile (that attempt finished, released or failed): look again.
        if (rounds >= 3) throw new Error(`the idempotency record of ${key} keeps changing; retrying the job`);
        return settleByRecord(job, await current(key), rounds + 1);
      }
      case 'parked':
        throw new UnrecoverableError(`parked: the key ${key} is parked for review`);
      case 'failed':
        throw new UnrecoverableError(`failed earlier: ${seen.error ?? 'see the record'}`);
      default:
        // 'queued' (an attempt released it) or missing: nothing is in flight; BullMQ runs the job again.
        throw new Error(`the idempotency record of ${key} is ${seen.state || 'missing'}; retrying the job`);
    }
  };

  const current = async (key: string): Promise<MarkRefusal> => {
    const h = await record.read(key);
    return { state: (h.state ?? '') as MarkRefusal['state'], attempt: h.attempt ?? '', result: h.result, error: h.error };
  };

  /** Returns the error to throw: BullMQ retries an Error and stops at an UnrecoverableError. */
  const settleFailure = async (job: Job<JobData>, attempt: string, error: unknown): Promise<Error | JobOutcome> => {
    const { key } = job.data;
    if (!SmtpError.is(error)) return error instanceof Error ? error : new Error(String(error));
    const fields = failureFields(error);
    if (error.delivery === 'unknown') {
      const reason = `the connection ended after the final dot without the server's answer (${error.code}: ${error.message}): the message may or may not have been delivered`;
      const parked = await record.park(key, attempt, reason, fields, job.id ?? '');
      if (parked !== 'ok') return settleByRecord(job, await current(key));
      await job.updateData({ ...job.data, failure: fields });
      return new UnrecoverableError(`parked: ${reason}`);
    }
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (error.transient && !lastTry) {
      // Nothing was delivered: back to queued (only if our own mark is there), and BullMQ's backoff.
      await record.release(key, attempt);
      return error;
    }
    const failed = await record.fail(key, attempt, fields);
    // Another attempt holds the key: this job's failure says nothing about that attempt's message.
    if (failed !== 'ok') return settleByRecord(job, await current(key));
    await job.updateData({ ...job.data, failure: fields });
    return new UnrecoverableError(`${error.code}: ${error.message}`);
  };

  const tenants: Record<string, TenantWorkerOptions> = Array.isArray(options.tenants)
    ? Object.fromEntries(options.tenants.map((t) => [t, {}]))
    : { ...options.tenants };
  const plan: Array<[string, TenantWorkerOptions]> = [
    [queueName(name, undefined), { concurrency: options.concurrency ?? 10, ...(options.limiter ? { limiter: options.limiter } : {}) }],
    ...Object.entries(tenants).map(([tenant, o]): [string, TenantWorkerOptions] => [queueName(name, tenant), { concurrency: o.concurrency ?? options.concurrency ?? 10, ...(o.limiter ? { limiter: o.limiter } : {}) }]),
  ];
  const workers = plan.map(
    ([qname, o]) =>
      new Worker<JobData, JobOutcome>(qname, processor, {
        ...options.workerOptions,
        connection: redis.client,
        concurrency: o.concurrency ?? 10,
        ...(o.limiter ? { limiter: o.limiter } : {}),
      }),
  );
  // BullMQ reports connection trouble as 'error' events; without a listener they would crash the process.
  const onError = options.onError ?? (() => undefined);
  for (const w of workers) w.on('error', onError);

  let closing: Promise<void> | undefined;
  return {
    id: workerId,
    close() {
      closing ??= (async () => {
        await Promise.all(workers.map((w) => w.close()));
        await transport.close();
        await redis.release();
      })();
      return closing;
    },
  };
}

function failureFields(error: SmtpError): FailureFields {
  const fields: FailureFields = { code: error.code, message: error.message, phase: error.phase, transient: error.transient, delivery: error.delivery };
  if (error.replyCode !== undefined) fields.replyCode = error.replyCode;
  if (error.enhancedCode !== undefined) fields.enhancedCode = error.enhancedCode;
  if (error.response !== undefined) fields.response = error.response;
  return fields;
}
