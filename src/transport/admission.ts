/**
 * How many sends may be composed ahead of the pool at once.
 *
 * "10,000 sends fired together" would otherwise compose all 10,000 messages before the first connection is
 * free: memory grows with the backlog while the pool can only use a few dozen at a time. Sends past the limit
 * wait here, in order, holding nothing but the caller's own message object.
 */
import { SmtpError } from '../errors.js';
import { WaiterQueue, type QueueEntry } from '../pool/waiter-queue.js';
import { inNextTurn } from '../connection/loop-turn.js';

interface Waiting<T> {
  job: T;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Jobs, not promises: a queued send is its job record and a queue entry. "10,000 sends fired together" keep
 * 10,000 of them alive for the whole burst, long enough to be promoted to the old generation, and a promise
 * per send plus the closures of a then() per send was that much more for the collector to copy and mark.
 */
export class Admission<T> {
  readonly #limit: number;
  #inside = 0;
  readonly #queue = new WaiterQueue<Waiting<T>>();
  readonly #run: (job: T) => void;
  readonly #refuse: (job: T, error: SmtpError) => void;

  /** `run` starts an admitted job; `refuse` reports one whose signal fired while it waited (EABORT). */
  constructor(limit: number, run: (job: T) => void, refuse: (job: T, error: SmtpError) => void) {
    this.#limit = Math.max(1, Math.floor(limit));
    this.#run = run;
    this.#refuse = refuse;
  }

  get inside(): number {
    return this.#inside;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Runs `job` once a place is free, or refuses it if `signal` fires first. Never inside this call: always
   * from a microtask or a later turn, so the caller has returned before its job starts.
   */
  enter(job: T, signal?: AbortSignal): void {
    if (signal?.aborted) {
      queueMicrotask(() => this.#refuse(job, abortError()));
      return;
    }
    if (this.#inside < this.#limit) {
      this.#inside += 1;
      queueMicrotask(() => this.#run(job));
      return;
    }
    const waiting: Waiting<T> = { job, signal, onAbort: undefined };
    let entry: QueueEntry<Waiting<T>> | undefined;
    if (signal) {
      waiting.onAbort = (): void => {
        if (entry && this.#queue.remove(entry)) this.#refuse(job, abortError());
      };
      // Before queueing: if this throws (not a real AbortSignal), nothing is left in the queue.
      signal.addEventListener('abort', waiting.onAbort, { once: true });
    }
    entry = this.#queue.push(waiting);
  }

  /**
   * Hands the place to the next waiter, or frees it.
   *
   * The waiter is let in on the next turn of the event loop, not at once. A place frees up when a reply
   * ends a transaction, and in that same turn the session writes the next transaction's commands, which
   * leave only when the turn ends (ReplyChannel corks until then). Letting the waiter in at once would
   * compose its message (the costliest step of a send) before those bytes go out; a turn later it is
   * composed while the server works on them, and more of each turn's writes leave together (less CPU per
   * message; figures: bench/README.md).
   */
  leave(): void {
    const next = this.#queue.shift();
    if (next === undefined) {
      this.#inside -= 1;
      return;
    }
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    inNextTurn(() => this.#run(next.job));
  }
}

function abortError(): SmtpError {
  return new SmtpError('EABORT', 'The send was aborted while waiting for its turn', { phase: 'compose', transient: false });
}
