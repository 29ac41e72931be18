/**
 * How many runs a property test makes. `npm test` keeps each property at a small budget (at most 200
 * runs) so the suite stays fast; the long budgets run on demand:
 *
 *   MAILWIRE_FUZZ_RUNS=full npm test     every property with the runs written at its call site
 *   MAILWIRE_FUZZ_RUNS=20000 npm test    every property with 20000 runs
 *
 * fast-check still prints the seed of a failure, so a failure found by a long run replays in a short one.
 */
const DEFAULT_CAP = 200;

export function fuzzRuns(written: number): number {
  const env = process.env['MAILWIRE_FUZZ_RUNS'];
  if (env === 'full') return written;
  const n = env === undefined || env === '' ? NaN : Number(env);
  if (Number.isInteger(n) && n > 0) return n;
  return Math.min(written, DEFAULT_CAP);
}
