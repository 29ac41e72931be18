/**
 * A sliding-window rate limit shared by every connection of a transport: at most `messages` sends start in
 * any `perMs` window. Waiters are served in order. The wait's timer keeps the process alive: it exists only
 * while a send waits for its slot, and that send is work still to do (an idle transport has no timer). It
 * was unref'd once, and a script's second rate-limited send then ended the process unsent (exit code 13).
 *
 * A waiter whose send is aborted leaves the queue at once, settles with EABORT (nothing was written), and
 * takes no slot: the abort must not wait for a turn that may be minutes away.
 */
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import { SmtpError } from '../errors.js';

/** At most `messages` sends start in any window of `perMs` milliseconds, across every connection of a transport. */
export interface RateLimit {
  messages: number;
  perMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: SmtpError) => void;
  subscription: AbortSubscription | undefined;
}

export class RateLimiter {
  readonly #limit: RateLimit;
  /** Start times inside the current window, oldest first. */
  readonly #starts: number[] = [];
  readonly #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(limit: RateLimit) {
    this.#limit = limit;
  }

  /** Resolves when one more send may start; rejects with EABORT if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.#waiters.length === 0 && this.#claim(Date.now())) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, subscription: undefined };
      if (signal) waiter.subscription = subscribeAbort(signal, () => this.#leave(waiter));
      this.#waiters.push(waiter);
      this.#schedule();
    });
  }

  /** Takes a slot if the window has one. */
  #claim(now: number): boolean {
    const starts = this.#starts;
    while (starts.length > 0 && (starts[0] ?? 0) <= now - this.#limit.perMs) starts.shift();
    if (starts.length >= this.#limit.messages) return false;
    starts.push(now);
    return true;
  }

  #pump(): void {
    this.#timer = undefined;
    const now = Date.now();
    while (this.#waiters.length > 0 && this.#claim(now)) {
      const waiter = this.#waiters.shift() as Waiter;
      waiter.subscription?.unsubscribe();
      waiter.resolve();
    }
    this.#schedule();
  }

  /** One timer, for the moment the oldest start leaves the window, and only while someone waits. */
  #schedule(): void {
    if (this.#waiters.length === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer) return;
    const now = Date.now();
    const oldest = this.#starts[0];
    const delay = oldest === undefined ? 0 : oldest + this.#limit.perMs - now;
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, delay));
  }

  #leave(waiter: Waiter): void {
    const at = this.#waiters.indexOf(waiter);
    if (at < 0) return;
    this.#waiters.splice(at, 1);
    waiter.reject(abortError());
    this.#schedule();
  }
}

function abortError(): SmtpError {
  return new SmtpError('EABORT', 'The send was aborted while waiting for its rate-limit slot', { phase: 'connect', transient: false });
}
