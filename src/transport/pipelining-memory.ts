/**
 * Per-server memory of a refusal to take a message written behind the previous message's end.
 *
 * A server that refused it once will refuse it on every connection, and each refusal costs a round trip and
 * a resend; so after one refusal, no connection to that server (pool key) writes across messages for a
 * while. Not forever: the refusal may come from one node behind a load balancer, or from a setting that is
 * changed back, and pipelining across messages is worth about one round trip per message.
 */
import type { CrossMessagePipelining } from '../connection/options.js';

/** How long a refusal is remembered. */
export const PIPELINING_REFUSAL_MEMORY_MS = 10 * 60 * 1000;

export class PipeliningMemory {
  readonly #refusedUntil = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The view one connection to the server `key` gets. */
  forServer(key: string): CrossMessagePipelining {
    return {
      allowed: () => this.allowed(key),
      refused: () => this.#refusedUntil.set(key, this.#now() + PIPELINING_REFUSAL_MEMORY_MS),
    };
  }

  allowed(key: string): boolean {
    const until = this.#refusedUntil.get(key);
    if (until === undefined) return true;
    if (this.#now() < until) return false;
    this.#refusedUntil.delete(key);
    return true;
  }
}
