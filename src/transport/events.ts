/**
 * What a transport reports while it works, for metrics and logs: a small typed emitter. Listener errors
 * are swallowed: a broken metrics hook must never fail a send.
 */
import type { SmtpError, SmtpErrorCode } from '../errors.js';
import type { SendInfo } from './results.js';

/** The events a transport emits, by name, with what each listener receives. */
export interface TransportEventMap {
  'connection:open': { target: number; id: number };
  'connection:close': { target: number; id: number; reason: string };
  'message:sent': { info: SendInfo; durationMs: number };
  'message:failed': { error: SmtpError; durationMs: number; messageId?: string };
  /** Before a retry: `attempt` is the number of the try about to start, `error` why the previous one failed. */
  retry: { attempt: number; error: SmtpError; target: number };
  /**
   * The configuration at index `from` could not take the message (unreachable, TLS, authentication, a 4xx)
   * and the one at `to` is tried next. `code` and `message` are the error's, for a log line.
   */
  failover: { from: number; to: number; code: SmtpErrorCode; message: string; error: SmtpError };
}

type Listener<K extends keyof TransportEventMap> = (event: TransportEventMap[K]) => void;

export class TransportEvents {
  readonly #listeners = new Map<keyof TransportEventMap, Set<(event: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof TransportEventMap>(type: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => this.off(type, listener);
  }

  /** Removes a listener. */
  off<K extends keyof TransportEventMap>(type: K, listener: Listener<K>): void {
    this.#listeners.get(type)?.delete(listener as (event: never) => void);
  }

  /** Calls the listeners of `type`; a listener that throws is skipped. */
  protected emit<K extends keyof TransportEventMap>(type: K, event: TransportEventMap[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(event);
      } catch {
        // see the file comment
      }
    }
  }
}
