/** Read-only views: parked messages and counts. */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from './names.js';
import type { FailureFields, JobData, ParkedMessage, QueueStats } from './types.js';

export async function readParked(redis: Redis, keys: Keys): Promise<ParkedMessage[]> {
  const members = await redis.zrange(keys.parked, 0, -1);
  if (members.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of members) pipeline.hgetall(keys.record(key));
  const rows = (await pipeline.exec()) ?? [];
  return members.map((key, i) => {
    const h = (rows[i]?.[1] ?? {}) as Record<string, string>;
    return {
      key,
      messageId: h.messageId,
      reason: h.reason ?? '',
      parkedBy: h.parkedBy,
      job: h.job,
      attempt: h.attempt,
      worker: h.worker,
      markedAt: num(h.markedAt),
      parkedAt: num(h.parkedAt),
      error: h.error ? (JSON.parse(h.error) as FailureFields) : undefined,
    };
  });
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export async function readStats(redis: Redis, keys: Keys, queues: Array<Queue<JobData>>): Promise<QueueStats> {
  const stats: QueueStats = { waiting: 0, active: 0, delayed: 0, prioritized: 0, completed: 0, failed: 0, parked: 0, queues: {} };
  for (const queue of queues) {
    const counts = await queue.getJobCounts(...STATES);
    stats.queues[queue.name] = counts;
    for (const state of STATES) stats[state] += counts[state] ?? 0;
  }
  stats.parked = await redis.zcard(keys.parked);
  return stats;
}

function num(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}
