/** Which failures are retried, and how long to wait before the next try. */
import { subscribeAbort } from '../abort/fanout.js';
import { SmtpError } from '../errors.js';

export function isRetryable(error: SmtpError): boolean {
  if (!error.transient || error.delivery !== 'none') return false;
  return !['EABORT', 'EGUARD', 'ECONFIG', 'ECLOSED', 'ESIZE'].includes(error.code);
}

/**
 * Whether the next configuration of a failover list should take the message after `error` on this one: the
 * server could not take it for a reason that is not the message's fault (unreachable, TLS, authentication,
 * a 4xx), and certainly did not take it. Never a 5xx about the message or its recipients (the fallback
 * would refuse it too, or worse, accept what the primary rightly refused), never after the final dot.
 */
export function failsOver(error: SmtpError): boolean {
  if (error.delivery !== 'none') return false;
  if (['ECONNECTION', 'ETIMEDOUT', 'ETLS', 'EAUTH'].includes(error.code)) return true;
  return isRetryable(error);
}

/**
 * The shortest time a send's own retries can spend waiting between its attempts (every delay at the low end
 * of its jitter): how long a queued send must have waited before other sends' failures answer for it.
 */
export function shortestBackoffMs(retry: { attempts: number; minDelayMs: number; maxDelayMs: number }): number {
  let total = 0;
  for (let round = 1; round < retry.attempts; round += 1) {
    const ceiling = ceilingOf(round, retry);
    // Past the cap every round waits the same: no need to walk a million of them.
    if (ceiling >= retry.maxDelayMs) return total + ((retry.attempts - round) * ceiling) / 2;
    total += ceiling / 2;
  }
  return total;
}

function ceilingOf(round: number, retry: { minDelayMs: number; maxDelayMs: number }): number {
  return Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** (round - 1));
}

export async function backoff(round: number, retry: { minDelayMs: number; maxDelayMs: number }, signal?: AbortSignal): Promise<void> {
  const ceiling = ceilingOf(round, retry);
  // "Equal jitter": half fixed, half random, so retries from many senders spread out but never collapse to 0.
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, delay);
    function done(): void {
      subscription?.unsubscribe();
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(new SmtpError('EABORT', 'The send was aborted while waiting to retry', { phase: 'connect', transient: false }));
    }
    if (signal?.aborted) return onAbort();
    const subscription = signal ? subscribeAbort(signal, onAbort) : undefined;
  });
}
