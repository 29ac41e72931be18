/**
 * Politeness towards the audited server: at most `max` connections open at once, and at least `delayMs`
 * between two connection openings, whichever check asks. Waiters are served in order.
 */
import { subscribeAbort } from '../abort/fanout.js';

export class ConnectionGate {
  readonly #max: number;
  readonly #delayMs: number;
  #open = 0;
  #lastStart = 0;
  #queue: Array<() => void> = [];
  /** Connections opened so far. */
  opened = 0;

  constructor(max: number, delayMs: number) {
    this.#max = max;
    this.#delayMs = delayMs;
  }

  /** Resolves with a release function once a connection may be opened. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    // A released slot passes straight to the first waiter (see below), so a newcomer cannot slip in between.
    if (this.#open >= this.#max || this.#queue.length > 0) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#open += 1;
    const wait = this.#lastStart === 0 ? 0 : this.#lastStart + this.#delayMs - Date.now();
    this.#lastStart = Math.max(Date.now(), this.#lastStart + this.#delayMs);
    if (wait > 0 && !signal?.aborted) await sleep(wait, signal);
    this.opened += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next();
      else this.#open -= 1;
    };
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      subscription?.unsubscribe();
      resolve();
    }
    const subscription = signal ? subscribeAbort(signal, done) : undefined;
  });
}
