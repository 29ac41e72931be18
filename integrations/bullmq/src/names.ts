/** Queue and Redis key names shared by the queue and the worker (one place, so they cannot drift apart). */
import { createHash } from 'node:crypto';
import { SmtpError } from 'mailwire';

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function checkName(name: string, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new SmtpError('ECONFIG', `${what} must be 1-100 characters of A-Z a-z 0-9 _ . - (got ${JSON.stringify(name)})`, { phase: 'config' });
  }
  return name;
}

/** The BullMQ queue of a tenant: its own queue, so its own workers' slots and its own rate limit. */
export function queueName(name: string, tenant: string | undefined): string {
  return tenant === undefined ? name : `${name}.t.${checkName(tenant, 'tenant')}`;
}

export interface Keys {
  /** Hash: the idempotency record of one key. */
  record(key: string): string;
  /** Sorted set of parked idempotency keys, scored by the time they were parked. */
  parked: string;
  /** Set of tenants that have had a message enqueued. */
  tenants: string;
}

export function keysFor(name: string): Keys {
  // {name} is a Redis Cluster hash tag: every key of one queue name is in one slot, so a script may touch
  // a record and the parked set together.
  const base = `mailwire:{${name}}`;
  return { record: (key) => `${base}:k:${key}`, parked: `${base}:parked`, tenants: `${base}:tenants` };
}

/**
 * BullMQ job id for a key's generation: deterministic, so two enqueues of the same key add one job
 * (BullMQ ignores an add whose id exists); a new generation only after the key failed for good.
 */
export function jobIdFor(key: string, generation: number): string {
  return `mw-${createHash('sha256').update(key).digest('hex').slice(0, 40)}-${generation}`;
}
