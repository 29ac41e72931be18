/**
 * A hang caught without a timing assertion: the promise's outcome, or 'pending' if it has not settled
 * within `ms` (a watchdog far beyond what the work needs, so that a never-settling send fails the test
 * with a readable value instead of the test timeout).
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
