/** Shared by the tests: one Redis per file, unique queue names, cleanups, and waiting for jobs. */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis } from './redis-server.mjs';

export interface RedisHandle {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

export function useRedis(): { readonly url: string; client: () => Redis } {
  let handle: RedisHandle | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    handle = await startRedis();
  });
  afterAll(async () => {
    client?.disconnect();
    await handle?.stop();
  });
  return {
    get url() {
      if (!handle) throw new Error('redis not started');
      return handle.url;
    },
    client() {
      client ??= new Redis(this.url, { maxRetriesPerRequest: null });
      return client;
    },
  };
}

const cleanups: Array<() => Promise<unknown>> = [];
export function later(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

let n = 0;
export function uniqueName(): string {
  n += 1;
  return `t${process.pid}-${n}`;
}

/** Polls until `check` returns true (these are outcomes, not timings: the limit only bounds a hang). */
export async function until(check: () => Promise<boolean> | boolean, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
