/**
 * Scheduling at the end of the current event-loop turn (setImmediate), for the two places that batch work
 * by turn: ReplyChannel's corked writes and the transport's admission queue.
 *
 * The real setImmediate is captured when this module loads. A test suite that installs fake timers
 * (vi.useFakeTimers, sinon) replaces the global one, and mailwire's writes would then wait for a fake
 * clock nobody advances, while the socket underneath does real I/O.
 */
const realSetImmediate = globalThis.setImmediate;

/** Runs `callback` once the callbacks of this turn (every socket that was readable, etc.) have run. */
export function atTurnEnd(callback: () => void): void {
  realSetImmediate(callback);
}

/** Runs `callback` in the next turn: after the writes flushed at the end of this one, and the next poll. */
export function inNextTurn(callback: () => void): void {
  realSetImmediate(atTurnEnd, callback);
}
