/** Which failures are retried, and how long to wait before the next try. */
import { SmtpError } from '../errors.js';

export function isRetryable(error: SmtpError): boolean {
  if (!error.transient || error.delivery !== 'none') return false;
  return !['EABORT', 'EGUARD', 'ECONFIG', 'ECLOSED', 'ESIZE'].includes(error.code);
}

export async function backoff(round: number, retry: { minDelayMs: number; maxDelayMs: number }, signal?: AbortSignal): Promise<void> {
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** (round - 1));
  // "Equal jitter": half fixed, half random, so retries from many senders spread out but never collapse to 0.
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, delay);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(new SmtpError('EABORT', 'The send was aborted while waiting to retry', { phase: 'connect', transient: false }));
    }
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
