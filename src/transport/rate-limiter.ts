/**
 * A sliding-window rate limit shared by every connection of a transport: at most `messages` sends start in
 * any `perMs` window. Waiters are served in order. The wait's timer keeps the process alive: it exists only
 * while a send waits for its slot, and that send is work still to do (an idle transport has no timer). It
 * was unref'd once, and a script's second rate-limited send then ended the process unsent (exit code 13).
 */
export interface RateLimit {
  messages: number;
  perMs: number;
}

export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #starts: number[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit) {
    this.#limit = limit;
  }

  /** Resolves when one more send may start. */
  take(): Promise<void> {
    const turn = this.#chain.then(() => this.#wait());
    this.#chain = turn.catch(() => undefined);
    return turn;
  }

  async #wait(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.#starts.length > 0 && (this.#starts[0] ?? 0) <= now - this.#limit.perMs) this.#starts.shift();
      if (this.#starts.length < this.#limit.messages) {
        this.#starts.push(now);
        return;
      }
      const delay = (this.#starts[0] ?? now) + this.#limit.perMs - now;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, delay)));
    }
  }
}
