/** The `signal` a caller passes to send() and sendRaw(): checked up front, and honoured while a message is prepared. */
import { subscribeAbort } from '../abort/fanout.js';
import { SmtpError } from '../errors.js';

/**
 * A JavaScript caller can pass anything as `signal`. Checked before the send is counted or queued: a value
 * without addEventListener would otherwise fail deep inside, after the send had taken a place in the queue.
 */
export function assertSignal(signal: unknown): void {
  if (signal === undefined) return;
  const s = signal as Partial<AbortSignal> | null;
  if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function' || typeof s.removeEventListener !== 'function') {
    throw new SmtpError('ECONFIG', 'options.signal: expected an AbortSignal', { phase: 'config', transient: false });
  }
}

/**
 * Preparing a message can wait on the outside world (a file, an https fetch, a caller's stream read into
 * memory): an abort must end the send then too, not when that wait ends. The preparation itself runs on;
 * its outcome is dropped.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  // After an abort, a failure of the preparation has nobody left to report to.
  work.catch(() => undefined);
  const aborted = (): SmtpError => new SmtpError('EABORT', 'The send was aborted while the message was being prepared', { phase: 'compose', transient: false });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const subscription = subscribeAbort(signal, () => reject(aborted()));
    work.then(
      (value) => {
        subscription.unsubscribe();
        resolve(value);
      },
      (error: unknown) => {
        subscription.unsubscribe();
        reject(error);
      },
    );
  });
}
