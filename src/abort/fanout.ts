/**
 * One 'abort' listener per caller signal, however many sends share it.
 *
 * An application passes one signal (a request's, a worker's shutdown signal) to many sends at once, and each
 * send waits in several layers (admission, rate limit, pool, transaction, connect...). With a listener per
 * layer per send, Node warns (MaxListenersExceededWarning) past 10 listeners on that signal, although each is
 * removed when its send settles: the caller sees a leak warning for something that is not one. Raising the
 * limit on their signal (events.setMaxListeners) is not ours to do: it is their object, and it would hide
 * their real leaks.
 *
 * So every layer subscribes here instead. A signal with subscribers has one Fanout (found through a WeakMap,
 * so the signal does not hold it) and that Fanout one real listener on the signal; the listener is added with
 * the first subscriber and removed with the last, so a long-lived signal keeps nothing of ours between
 * sends. Subscribers form a doubly linked list: subscribing and unsubscribing are O(1) (thousands of sends
 * fired with one signal settle in any order), and an abort calls them in subscription order. A subscription
 * is one small object: it costs less than the record EventTarget keeps per listener, and this runs several
 * times per send.
 *
 * The semantics are addEventListener's, which every site used before:
 * - subscribing to a signal that has already aborted registers nothing and never calls back (the event is
 *   over); sites check `signal.aborted` first, as they did;
 * - each callback runs at most once; one unsubscribed before its turn (even by an earlier callback of the
 *   same abort) is not called;
 * - a callback that throws does not stop the others, and its error is reported as EventTarget reports a
 *   listener's: thrown again from process.nextTick (an uncaughtException).
 */

/** What subscribe() returns: unsubscribe() is O(1), may be called any number of times, and after the abort. */
export class AbortSubscription {
  /** The fanout this subscription is live in; undefined once called back or unsubscribed. */
  fanout: Fanout | undefined;
  prev: AbortSubscription | undefined = undefined;
  next: AbortSubscription | undefined = undefined;
  readonly callback: () => void;

  constructor(fanout: Fanout | undefined, callback: () => void) {
    this.fanout = fanout;
    this.callback = callback;
  }

  unsubscribe(): void {
    const fanout = this.fanout;
    if (fanout === undefined) return;
    this.fanout = undefined;
    fanout.remove(this);
  }
}

/** Returned for an already-aborted signal: nothing registered, nothing to remove. */
const INERT = new AbortSubscription(undefined, () => undefined);

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `callback` once when `signal` aborts, unless unsubscribed first. On an already-aborted signal, does
 * nothing (as addEventListener would not): check `signal.aborted` before, as every caller does.
 * Throws what the signal's addEventListener throws (a caller's bogus signal) and then registers nothing.
 */
export function subscribeAbort(signal: AbortSignal, callback: () => void): AbortSubscription {
  if (signal.aborted) return INERT;
  let fanout = fanouts.get(signal);
  if (fanout === undefined) {
    fanout = new Fanout(signal);
    // Before the fanout is recorded: if this throws, nothing of ours is left behind.
    signal.addEventListener('abort', fanout.onAbort, { once: true });
    fanouts.set(signal, fanout);
  }
  return fanout.add(callback);
}

/** How many subscribers `signal` has now (for tests). */
export function abortSubscriberCount(signal: AbortSignal): number {
  return fanouts.get(signal)?.size ?? 0;
}

class Fanout {
  readonly #signal: AbortSignal;
  #head: AbortSubscription | undefined;
  #tail: AbortSubscription | undefined;
  size = 0;
  /** Set when the abort is being dispatched: the list is then only read, never relinked. */
  #fired = false;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  readonly onAbort = (): void => {
    this.#fired = true;
    fanouts.delete(this.#signal);
    // No subscriber can be added from here on (the signal has aborted), and unsubscribing one only clears
    // its fanout: the list stays as it is while it is walked.
    for (let sub = this.#head; sub !== undefined; sub = sub.next) {
      if (sub.fanout !== this) continue;
      sub.fanout = undefined;
      try {
        sub.callback();
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
    this.#head = undefined;
    this.#tail = undefined;
    this.size = 0;
  };

  add(callback: () => void): AbortSubscription {
    const sub = new AbortSubscription(this, callback);
    sub.prev = this.#tail;
    if (this.#tail) this.#tail.next = sub;
    else this.#head = sub;
    this.#tail = sub;
    this.size += 1;
    return sub;
  }

  /** Called by AbortSubscription.unsubscribe() once it has cleared its own fanout. */
  remove(sub: AbortSubscription): void {
    if (this.#fired) return;
    const { prev, next } = sub;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    else this.#tail = prev;
    sub.prev = undefined;
    sub.next = undefined;
    this.size -= 1;
    if (this.size > 0) return;
    // The last one left: the signal keeps neither a listener nor this fanout.
    this.#signal.removeEventListener('abort', this.onAbort);
    fanouts.delete(this.#signal);
  }
}
