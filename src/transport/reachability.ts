/**
 * What the sends to one server (one pool) have learnt about reaching it, shared between them.
 *
 * A send's retry policy is "this many attempts over a backoff window". Sends past the admission limit wait
 * their turn, and each then ran its own window from scratch: 10,000 sends to a stopped server took minutes
 * to settle, one admission place per send backing off in turn. But while a send waits, the sends ahead of
 * it try the same server on its behalf. When, during its wait, at least as many connection attempts as its
 * own policy allows failed, none succeeded, and it has waited at least as long as its own backoff would have
 * taken, its question has been answered: it fails at once with the server's last connection error
 * (delivery 'none', transient) instead of starting a window of its own.
 *
 * Only sends that waited are affected: a send that did not wait tries itself, so the server is always
 * probed again and a recovery is noticed. A send that made an attempt of its own keeps its own schedule.
 */
import type { SmtpError } from '../errors.js';

/** Failure times remembered; a send needs at most this many failures during its wait (or its attempts). */
const REMEMBERED = 16;

export class Reachability {
  /** The last REMEMBERED failed connection attempts' times, oldest overwritten first. */
  readonly #failedAt = new Float64Array(REMEMBERED);
  #failures = 0;
  #lastError: SmtpError | undefined;
  #lastSuccessAt = -Infinity;

  /** A connection attempt failed in a way a retry would try again (refused, reset, timed out, 421). */
  failed(error: SmtpError, now: number): void {
    this.#failedAt[this.#failures % REMEMBERED] = now;
    this.#failures += 1;
    this.#lastError = error;
  }

  /** A connection opened, or a message was accepted: the server is reachable. */
  succeeded(now: number): void {
    this.#lastSuccessAt = now;
  }

  /**
   * The error a send queued at `queuedAt` takes instead of trying, or undefined when it should try. `needed`
   * is the send's own attempts, `windowMs` the shortest time its own backoff between them could take.
   */
  answered(queuedAt: number, now: number, needed: number, windowMs: number): SmtpError | undefined {
    if (this.#lastError === undefined || now - queuedAt < windowMs) return undefined;
    if (this.#lastSuccessAt >= queuedAt) return undefined;
    const count = Math.min(needed, REMEMBERED);
    if (this.#failures < count) return undefined;
    // The count-th most recent failure happened after the send was queued.
    const oldest = this.#failedAt[(this.#failures - count) % REMEMBERED] as number;
    return oldest >= queuedAt ? this.#lastError : undefined;
  }
}
