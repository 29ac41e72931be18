/**
 * The Redis connection the queue and the worker use: always an ioredis instance that this package builds
 * (from a URL or ioredis options) or one the caller passes. BullMQ's ESM build cannot load ioredis by itself
 * (it only tries `require`), so a connection given as options would fail inside BullMQ.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** A redis:// URL, ioredis options, or an ioredis client you own (it is not closed by close()). */
export type ConnectionInput = string | RedisOptions | Redis;

export interface OwnedRedis {
  client: Redis;
  /** Closes the client if this package created it. */
  release(): Promise<void>;
}

export function connect(input: ConnectionInput): OwnedRedis {
  if (input instanceof Redis) return { client: input, release: async () => undefined };
  // maxRetriesPerRequest: null is what BullMQ requires for a Worker's blocking commands; a command waits
  // for Redis to come back instead of failing the job it belongs to.
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };
  const client = typeof input === 'string' ? new Redis(input, options) : new Redis({ ...input, ...options });
  return {
    client,
    release: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
