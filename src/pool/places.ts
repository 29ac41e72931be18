/**
 * The pool's connection places: at most `max` connections are being opened, open, or being closed at once.
 *
 * A place is an object, and giving it back through its own release() is the only way to free it. That one
 * function is where a freed place reaches the sends that wait for one, so no path can give a place back
 * without waking a waiter: a failed open, a broken connection, an idle timeout, a retired connection, a
 * health check that failed. (Before, each of those paths decremented a counter and had to remember to wake
 * someone; a failed open forgot, and a burst to a dead server left sends waiting forever.)
 *
 * A connection's place is given back only once the connection is closed (QUIT answered or socket
 * destroyed), so a retiring connection still counts while it says goodbye and the server never sees more
 * than `max` connections from one pool.
 */
export class Place {
  #giveBack: (() => void) | undefined;

  constructor(giveBack: () => void) {
    this.#giveBack = giveBack;
  }

  /** True until release() is called. */
  get held(): boolean {
    return this.#giveBack !== undefined;
  }

  /** Gives the place back (once; later calls do nothing) and lets the pool hand it to a waiting send. */
  release(): void {
    const giveBack = this.#giveBack;
    if (giveBack === undefined) return;
    this.#giveBack = undefined;
    giveBack();
  }
}

export class Places {
  readonly #max: number;
  readonly #onFree: () => void;
  #taken = 0;

  /** `onFree` runs every time a place is given back, after it is counted free. */
  constructor(max: number, onFree: () => void) {
    this.#max = max;
    this.#onFree = onFree;
  }

  get free(): number {
    return this.#max - this.#taken;
  }

  /** A place, or undefined when all are taken. */
  take(): Place | undefined {
    if (this.#taken >= this.#max) return undefined;
    this.#taken += 1;
    return new Place(() => {
      this.#taken -= 1;
      this.#onFree();
    });
  }
}
