/**
 * Model-based test of the transport and its pool (issue 14, item 2): random sequences of sends, bursts,
 * aborts, close(), failover to a second server, server faults that change at random (refused connections,
 * accept-then-close, hangs and 421 at every phase, resets before, at and after the final dot, wrong
 * password, slow replies, restarts on the same port) and time passing. After every run:
 *   - every send settled exactly once (promise and events), a send after close() with ECLOSED;
 *   - close() resolved within a bound;
 *   - no message kept twice unless the caller was told delivery 'unknown'; no delivery 'none' for a kept
 *     message; every resolved send kept exactly once;
 *   - nothing reached the process as an unhandled rejection or uncaught exception;
 *   - file descriptors and active handles/timers back to where they were.
 *
 * Short run (npm test): a fixed seed, a small budget. Long run, e.g.:
 *   MAILWIRE_MODEL_SECONDS=300 MAILWIRE_MODEL_SEED=$RANDOM npx vitest run test/model/transport-model.test.ts
 *   MAILWIRE_MODEL_RUNS=5000 ... (a number of runs instead of a time budget)
 * A failure prints fast-check's seed, path and replayPath; replay with MAILWIRE_MODEL_SEED=... MAILWIRE_MODEL_PATH=...
 * MAILWIRE_MODEL_REPLAY=... (the replayPath, e.g. "x:B")
 * (the servers and the client run on real timers, so a replay repeats the commands, not every interleaving).
 * MAILWIRE_MODEL_FORCE=1 runs the full model even while KNOWN_UNFIXED is set; with it,
 * MAILWIRE_MODEL_EXCLUDE=dead-burst,idle-stall steers around those known bugs (see the constants below).
 * To look for other bugs for a long while: -t 'steered' (both known bugs steered around).
 * MAILWIRE_MODEL_CHECK_PEAK=1 also checks that no server saw more than maxConnections sessions at once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { commandArbs, configArb, type Model } from './model-commands.js';
import { violations, report } from './model-invariants.js';
import { SmtpError } from '../../src/index.js';
import { installProcessListeners, ModelSystem } from './model-system.js';

/**
 * Set false once the pool fix (issue 14) is merged: until then a burst of sends while opens fail leaves
 * sends unsettled forever, and the full model finds that within a few runs.
 */
const KNOWN_UNFIXED = false;
/**
 * Set false once a send that needs a fresh connection (a retry or failover after ECONNECTION) no longer
 * waits for one of the pool's idle connections to time out (idleTimeoutMs, 30 s by default): see
 * repro-failover-idle-stall.test.ts. Until then the model keeps idleTimeoutMs short, so such a stall ends
 * before the run gives up on the send.
 */
const KNOWN_IDLE_STALL = false;
/**
 * Set false once a connection being closed politely (retiring after maxMessagesPerConnection, idle timeout)
 * counts towards maxConnections until it is closed (issue 14; repro-pool-peak.test.ts). Then every run also
 * checks that no server saw more than maxConnections sessions at once; before, MAILWIRE_MODEL_CHECK_PEAK=1
 * turns that check on.
 */
const KNOWN_OVER_OPEN = false;

const env = process.env;
const SEED = Number(env.MAILWIRE_MODEL_SEED ?? 20261203);
const RUNS = Number(env.MAILWIRE_MODEL_RUNS ?? (env.MAILWIRE_MODEL_SECONDS ? 1_000_000 : 15));
const SECONDS = env.MAILWIRE_MODEL_SECONDS ? Number(env.MAILWIRE_MODEL_SECONDS) : undefined;
const PATH = env.MAILWIRE_MODEL_PATH;
/** The counterexample's replayPath comment: fc.commands needs it to rebuild the shrunk command list. */
const REPLAY_PATH = env.MAILWIRE_MODEL_REPLAY;
const MAX_COMMANDS = Number(env.MAILWIRE_MODEL_MAX_COMMANDS ?? 24);
/** A run's sends are given up on after this long without any of them settling. */
const QUIET_MS = Number(env.MAILWIRE_MODEL_QUIET_MS ?? 3_000);
const CLOSE_BOUND_MS = 2_000;
const FORCE = env.MAILWIRE_MODEL_FORCE === '1';
const CHECK_PEAK = env.MAILWIRE_MODEL_CHECK_PEAK === '1' || !KNOWN_OVER_OPEN;
/** Known bugs a run steers around: 'dead-burst' (see Model), 'idle-stall' (see KNOWN_IDLE_STALL). */
type Exclusion = 'dead-burst' | 'idle-stall';
const ENV_EXCLUDE = (env.MAILWIRE_MODEL_EXCLUDE ?? '').split(',').filter((x): x is Exclusion => x === 'dead-burst' || x === 'idle-stall');
const TIMEOUT_MS = SECONDS !== undefined ? (SECONDS + 600) * 1000 : Math.max(120_000, RUNS * 5_000);

let uninstall: (() => void) | undefined;
beforeAll(() => {
  uninstall = installProcessListeners();
});
afterAll(() => uninstall?.());

async function oneRun(generated: ModelSystem['config'], commands: Iterable<fc.AsyncCommand<Model, ModelSystem>>, exclude: Exclusion[]): Promise<void> {
  const config = exclude.includes('idle-stall') ? { ...generated, idleTimeoutMs: Math.min(generated.idleTimeoutMs, 300) } : generated;
  const system = new ModelSystem(config);
  await system.start();
  try {
    await fc.asyncModelRun(() => ({ model: { system, excludeDeadBurst: exclude.includes('dead-burst') }, real: system }), commands);
    await system.settle(QUIET_MS);
    // close() waits for every send: with one that never settles it cannot resolve, so do not wait long.
    const closeResolved = await system.closeWithin(system.unsettled().length > 0 ? 200 : CLOSE_BOUND_MS);
    tally(system);
    const after = await system.teardown(2_000);
    const problems = violations(system, { closeResolved, after, checkPeak: CHECK_PEAK });
    if (problems.length > 0) throw new Error(report(system, problems));
  } finally {
    for (const s of system.servers) await s.stop();
  }
}

/** What the runs did, printed at the end: proof that they exercised something. */
const totals = new Map<string, number>();
const faultsSeen = new Map<string, number>();
function tally(system: ModelSystem): void {
  for (const server of system.servers) {
    for (const line of server.log) {
      const kind = line.replace(/ (of|committing) <.*| \{.*/, '');
      faultsSeen.set(kind, (faultsSeen.get(kind) ?? 0) + 1);
    }
  }
  for (const s of system.sends) {
    const o = s.outcome;
    const key = !o ? 'unsettled' : o.kind === 'resolved' ? 'resolved' : SmtpError.is(o.error) ? `${o.error.code}/${o.error.delivery}` : 'other';
    totals.set(key, (totals.get(key) ?? 0) + 1);
  }
}

function check(exclude: Exclusion[]): Promise<void> {
  const started = performance.now();
  let runs = 0;
  totals.clear();
  faultsSeen.clear();
  const property = fc.asyncProperty(configArb, fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: 'max', ...(REPLAY_PATH !== undefined ? { replayPath: REPLAY_PATH } : {}) }), async (config, commands) => {
    runs += 1;
    await oneRun(config, commands, exclude);
  });
  return fc
    .assert(property, {
      seed: SEED,
      numRuns: RUNS,
      ...(PATH !== undefined ? { path: PATH, endOnFailure: false } : {}),
      ...(SECONDS !== undefined ? { interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false } : {}),
    })
    .finally(() => console.log(`model: ${runs} runs (shrinking included) in ${((performance.now() - started) / 1000).toFixed(1)} s, seed ${SEED}${exclude.length > 0 ? `, excluded: ${exclude.join(', ')}` : ''}; sends: ${[...totals].map(([k, v]) => `${k} ${v}`).join(', ')}; server: ${[...faultsSeen].map(([k, v]) => `${k} ${v}`).join(', ')}`));
}

describe('transport and pool, model-based', () => {
  // Runs on main today: steers around both known bugs (sends never outnumber maxConnections; short idle timeouts).
  it('keeps every promise under random faults (known bugs steered around)', () => check(['dead-burst', 'idle-stall']), TIMEOUT_MS);

  it.skipIf(KNOWN_UNFIXED && !FORCE)(
    'keeps every promise under random faults, bursts included',
    // Forced, only what MAILWIRE_MODEL_EXCLUDE names is steered around; else the bugs still known.
    () => check(FORCE ? ENV_EXCLUDE : KNOWN_IDLE_STALL ? ['idle-stall'] : []),
    TIMEOUT_MS,
  );
});
