/**
 * Issue 14: a burst of sends to a server that cannot take them must settle every send with a typed error,
 * and close() must resolve. Before the fix, a failed open gave its place back without waking the sends
 * queued in the pool: with a pool of 5, 8 sends to a stopped server left 3 pending forever.
 *
 * No timing assertion: a hang is caught by a watchdog that reports how many sends never settled.
 */
import { afterEach, describe, it } from 'vitest';
import { createTransport } from '../../src/index.js';
import { burst, EXPECTED, expectAllRejected, faultyConfig, runCleanups, type Fault } from './burst-helpers.js';

afterEach(runCleanups);

describe('a burst of sends to a server that cannot take them settles every send, and close() resolves', () => {
  const faults: Fault[] = ['refused', 'closed after accept', 'wrong password', 'untrusted certificate'];
  for (const fault of faults) {
    for (const maxConnections of [1, 5, 20]) {
      // A server-side refusal costs smtp-server's ~100 ms greeting per attempt: past the admission limit
      // (maxConnections x pipelineDepth 2 x 2) is enough there; a refused port is cheap, so 300.
      const big = fault === 'wrong password' || fault === 'untrusted certificate' ? maxConnections * 4 + 5 : 300;
      it(`${fault}, pool of ${maxConnections}: bursts of 1, 8 and ${big}`, async () => {
        const config = await faultyConfig(fault);
        for (const count of [1, 8, big]) {
          const t = createTransport({ ...config, pool: { maxConnections } });
          expectAllRejected(await burst(t, count, 15_000), EXPECTED[fault]);
        }
      }, 60_000);
    }
  }

  it('with failover between two dead configurations, every send settles', async () => {
    const primary = await faultyConfig('refused');
    const fallback = await faultyConfig('closed after accept');
    const t = createTransport([primary, { ...fallback, pool: { maxConnections: 3 } }]);
    expectAllRejected(await burst(t, 300, 15_000), [...EXPECTED.refused, ...EXPECTED['closed after accept']]);
  }, 60_000);
});
