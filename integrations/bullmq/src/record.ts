/**
 * The idempotency record: one Redis hash per key, moved between states by Lua scripts so that every
 * transition is one atomic step (Redis runs a script without interleaving another command).
 *
 *   (none) --enqueue--> queued --mark--> sending --finish--> sent
 *                          ^               |  |--fail----> failed --enqueue--> queued (next generation)
 *                          '---release-----'  '--park----> parked --finish (same attempt)--> sent
 *   queued --fail--> failed                    a job that finds `sending` of ANOTHER attempt parks it
 *
 * The mark is written just before the final dot (transport beforeCommit), so `sending` means "this
 * message may be at the server". Only the attempt that wrote the mark may release, finish or fail it.
 * README.md argues why that gives at-most-once delivery with every job ending sent, failed or parked.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './names.js';

export type RecordState = 'queued' | 'sending' | 'sent' | 'failed' | 'parked';

/** What mark() found when it did not mark: the state and the attempt holding it. */
export interface MarkRefusal {
  state: RecordState;
  attempt: string;
  result: string | undefined;
  error: string | undefined;
}

export interface EnqueueDecision {
  /** 'new' or 'requeue': add the job for `generation`. Otherwise the key is already known. */
  action: 'new' | 'requeue' | 'existing';
  state: RecordState;
  generation: number;
  messageId: string | undefined;
  result: string | undefined;
  /** The tenant the key's current job was queued for ('' = none): a re-add goes to that same queue. */
  tenant: string;
}

// KEYS[1] record. ARGV: messageId, now, tenants set member ('' = none). KEYS[2] tenants set.
const ENQUEUE = `
local s = redis.call('HGET', KEYS[1], 'state')
if ARGV[3] ~= '' then redis.call('SADD', KEYS[2], ARGV[3]) end
if not s then
  redis.call('HSET', KEYS[1], 'state', 'queued', 'gen', 0, 'messageId', ARGV[1], 'queuedAt', ARGV[2], 'tenant', ARGV[3])
  return {'new', 'queued', 0, ARGV[1], false, ARGV[3]}
end
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
local mid = redis.call('HGET', KEYS[1], 'messageId') or false
if s == 'failed' then
  gen = gen + 1
  redis.call('HDEL', KEYS[1], 'error', 'attempt', 'worker', 'markedAt')
  redis.call('HSET', KEYS[1], 'state', 'queued', 'gen', gen, 'queuedAt', ARGV[2], 'tenant', ARGV[3])
  redis.call('PERSIST', KEYS[1])
  return {'requeue', 'queued', gen, mid, false, ARGV[3]}
end
return {'existing', s, gen, mid, redis.call('HGET', KEYS[1], 'result') or false, redis.call('HGET', KEYS[1], 'tenant') or ''}
`;

// KEYS[1] record. ARGV: attempt, worker, now, jobId.
const MARK = `
local s = redis.call('HGET', KEYS[1], 'state')
local a = redis.call('HGET', KEYS[1], 'attempt')
if (not s) or s == 'queued' then
  redis.call('HSET', KEYS[1], 'state', 'sending', 'attempt', ARGV[1], 'worker', ARGV[2], 'markedAt', ARGV[3], 'job', ARGV[4])
  return {'ok'}
end
if s == 'sending' and a == ARGV[1] then return {'ok'} end
return {s, a or '', redis.call('HGET', KEYS[1], 'result') or false, redis.call('HGET', KEYS[1], 'error') or false}
`;

// KEYS[1] record, KEYS[2] parked set. ARGV: attempt, result JSON, now, key, retain seconds.
// A parked record whose own attempt reports success is resolved: that attempt knows it was delivered.
const FINISH = `
local s = redis.call('HGET', KEYS[1], 'state')
if redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] or (s ~= 'sending' and s ~= 'parked') then return s or '' end
redis.call('HSET', KEYS[1], 'state', 'sent', 'result', ARGV[2], 'doneAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'reason')
redis.call('ZREM', KEYS[2], ARGV[4])
if tonumber(ARGV[5]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return 'ok'
`;

// KEYS[1] record. ARGV: attempt.
const RELEASE = `
local s = redis.call('HGET', KEYS[1], 'state')
if s ~= 'sending' or redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return s or '' end
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'attempt', 'worker', 'markedAt')
return 'ok'
`;

// KEYS[1] record. ARGV: attempt, error JSON, now, retain seconds. Only what was never marked, or our own mark.
const FAIL = `
local s = redis.call('HGET', KEYS[1], 'state')
local a = redis.call('HGET', KEYS[1], 'attempt')
if not ((not s) or s == 'queued' or (s == 'sending' and a == ARGV[1])) then return s end
redis.call('HSET', KEYS[1], 'state', 'failed', 'error', ARGV[2], 'doneAt', ARGV[3])
if tonumber(ARGV[4]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
return 'ok'
`;

// KEYS[1] record, KEYS[2] parked set. ARGV: attempt that must hold the mark, reason, error JSON ('' none),
// now, key, jobId. Parks only while that attempt still holds it (a finish that won the race stands).
const PARK = `
local s = redis.call('HGET', KEYS[1], 'state')
if s ~= 'sending' or redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return s or '' end
redis.call('HSET', KEYS[1], 'state', 'parked', 'reason', ARGV[2], 'parkedAt', ARGV[4], 'parkedBy', ARGV[6])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return 'ok'
`;

type Reply = Array<string | number | null>;

interface Scripts {
  mwEnqueue(k1: string, k2: string, messageId: string, now: number, tenant: string): Promise<Reply>;
  mwMark(k1: string, attempt: string, worker: string, now: number, jobId: string): Promise<Reply>;
  mwFinish(k1: string, k2: string, attempt: string, result: string, now: number, key: string, retain: number): Promise<string>;
  mwRelease(k1: string, attempt: string): Promise<string>;
  mwFail(k1: string, attempt: string, error: string, now: number, retain: number): Promise<string>;
  mwPark(k1: string, k2: string, attempt: string, reason: string, error: string, now: number, key: string, jobId: string): Promise<string>;
}

export class IdempotencyRecord {
  readonly #redis: Redis & Scripts;
  readonly #keys: Keys;
  readonly #retainSeconds: number;

  constructor(redis: Redis, keys: Keys, retainSeconds: number) {
    // defineCommand: EVALSHA with a fallback to EVAL, so each call sends the script's hash, not its text.
    const defs: Array<[keyof Scripts, number, string]> = [
      ['mwEnqueue', 2, ENQUEUE],
      ['mwMark', 1, MARK],
      ['mwFinish', 2, FINISH],
      ['mwRelease', 1, RELEASE],
      ['mwFail', 1, FAIL],
      ['mwPark', 2, PARK],
    ];
    for (const [name, numberOfKeys, lua] of defs) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    }
    this.#redis = redis as Redis & Scripts;
    this.#keys = keys;
    this.#retainSeconds = retainSeconds;
  }

  async enqueue(key: string, messageId: string, tenant: string | undefined): Promise<EnqueueDecision> {
    const r = await this.#redis.mwEnqueue(this.#keys.record(key), this.#keys.tenants, messageId, Date.now(), tenant ?? '');
    return {
      action: r[0] as EnqueueDecision['action'],
      state: r[1] as RecordState,
      generation: Number(r[2]),
      messageId: typeof r[3] === 'string' ? r[3] : undefined,
      result: typeof r[4] === 'string' ? r[4] : undefined,
      tenant: typeof r[5] === 'string' ? r[5] : '',
    };
  }

  /** Marks `sending` for this attempt; undefined when marked, else what holds the key. */
  async mark(key: string, attempt: string, worker: string, jobId: string): Promise<MarkRefusal | undefined> {
    const r = await this.#redis.mwMark(this.#keys.record(key), attempt, worker, Date.now(), jobId);
    if (r[0] === 'ok') return undefined;
    return { state: r[0] as RecordState, attempt: String(r[1] ?? ''), result: str(r[2]), error: str(r[3]) };
  }

  finish(key: string, attempt: string, result: unknown): Promise<string> {
    return this.#redis.mwFinish(this.#keys.record(key), this.#keys.parked, attempt, JSON.stringify(result), Date.now(), key, this.#retainSeconds);
  }

  release(key: string, attempt: string): Promise<string> {
    return this.#redis.mwRelease(this.#keys.record(key), attempt);
  }

  fail(key: string, attempt: string, error: unknown): Promise<string> {
    return this.#redis.mwFail(this.#keys.record(key), attempt, JSON.stringify(error), Date.now(), this.#retainSeconds);
  }

  park(key: string, attempt: string, reason: string, error: unknown, jobId: string): Promise<string> {
    const json = error === undefined ? '' : JSON.stringify(error);
    return this.#redis.mwPark(this.#keys.record(key), this.#keys.parked, attempt, reason, json, Date.now(), key, jobId);
  }

  async read(key: string): Promise<Record<string, string>> {
    return this.#redis.hgetall(this.#keys.record(key));
  }
}

function str(value: string | number | null | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
