/**
 * How many sends may be composed ahead of the pool at once.
 *
 * "10,000 sends fired together" would otherwise compose all 10,000 messages before the first connection is
 * free: memory grows with the backlog while the pool can only use a few dozen at a time. Sends past the limit
 * wait here, in order, holding nothing but the caller's own message object.
 */
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import { SmtpError } from '../errors.js';
import { inNextTurn } from '../connection/loop-turn.js';

/**
 * The fields Admission keeps in a job while it waits. The queue is threaded through the jobs themselves
 * (a doubly linked list: an aborted job leaves it at once), so a waiting send is its own record and nothing
 * else: no queue entry, no wrapper, and no closure unless the send has a signal. A job object must not be
 * entered twice at once. Give every field a value when the job is made (one object shape for all jobs).
 */
export interface AdmissionJob {
  queuePrev: AdmissionJob | undefined;
  queueNext: AdmissionJob | undefined;
  /** While the job waits with a signal: its subscription to the signal, ended when it is let in. */
  queueAbort: AbortSubscription | undefined;
}

/**
 * Jobs, not promises: a queued send is its job record. "10,000 sends fired together" keep 10,000 of them
 * alive for the whole burst, long enough to be promoted to the old generation, and every object per send is
 * that much more for the collector to copy and mark (and to count as surviving, which is what makes V8 grow
 * its young generation).
 */
export class Admission<T extends AdmissionJob> {
  readonly #limit: number;
  #inside = 0;
  #head: AdmissionJob | undefined;
  #tail: AdmissionJob | undefined;
  #waiting = 0;
  /** Jobs let in by leave() during this turn, started together in the next one (one timer for all). */
  #letIn: T[] = [];
  readonly #startLetIn = (): void => {
    const jobs = this.#letIn;
    this.#letIn = [];
    for (const job of jobs) this.#run(job);
  };
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
    return this.#waiting;
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
    if (signal) {
      // Before queueing: if this throws (not a real AbortSignal), nothing is left in the queue. A job let in
      // meanwhile has ended its subscription, so this runs only for a job still waiting.
      job.queueAbort = subscribeAbort(signal, () => {
        this.#unlink(job);
        this.#refuse(job, abortError());
      });
    }
    job.queuePrev = this.#tail;
    job.queueNext = undefined;
    if (this.#tail) this.#tail.queueNext = job;
    else this.#head = job;
    this.#tail = job;
    this.#waiting += 1;
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
    const next = this.#head as T | undefined;
    if (next === undefined) {
      this.#inside -= 1;
      return;
    }
    this.#unlink(next);
    // One timer per turn, not two setImmediate calls and a closure per send: a turn of replies frees a
    // place for each transaction it ends, and their waiters all start in the same next turn anyway.
    if (this.#letIn.push(next) === 1) inNextTurn(this.#startLetIn);
  }

  /** Takes `job` out of the queue (and ends its subscription to its signal). */
  #unlink(job: AdmissionJob): void {
    const { queuePrev: prev, queueNext: next } = job;
    if (prev) prev.queueNext = next;
    else this.#head = next;
    if (next) next.queuePrev = prev;
    else this.#tail = prev;
    job.queuePrev = undefined;
    job.queueNext = undefined;
    this.#waiting -= 1;
    const subscription = job.queueAbort;
    if (subscription !== undefined) {
      job.queueAbort = undefined;
      subscription.unsubscribe();
    }
  }
}

function abortError(): SmtpError {
  return new SmtpError('EABORT', 'The send was aborted while waiting for its turn', { phase: 'compose', transient: false });
}
