/** @mailwire/bullmq: mailwire messages through a BullMQ queue on Redis, exactly once where SMTP allows it. */
export { createMailQueue, DEFAULT_JOB_OPTIONS, type MailQueue, type MailQueueOptions, type EnqueueOptions, type EnqueueResult } from './queue.js';
export { startMailWorker, type MailWorker, type MailWorkerOptions, type MailSender, type RateLimit, type TenantWorkerOptions } from './worker.js';
export type { ConnectionInput } from './redis.js';
export type { JobData, JobOutcome, SentResult, FailureFields, ParkedMessage, QueueStats } from './types.js';
export type { RecordState } from './record.js';
