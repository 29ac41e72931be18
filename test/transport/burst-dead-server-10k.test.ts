/**
 * Issue 14 at scale: 10,000 sends to a refused port settle, and close() resolves, for pools of 1, 5 and 20.
 * A file of its own so it runs beside the other burst tests instead of after them.
 */
import { afterEach, describe, it } from 'vitest';
import { createTransport } from '../../src/index.js';
import { burst, EXPECTED, expectAllRejected, faultyConfig, runCleanups } from './burst-helpers.js';

afterEach(runCleanups);

describe('a burst of sends to a server that cannot take them settles every send, and close() resolves', () => {
  it('10,000 sends to a refused port, pools of 1, 5 and 20', async () => {
    const config = await faultyConfig('refused');
    for (const maxConnections of [1, 5, 20]) {
      const t = createTransport({ ...config, retry: { attempts: 1 }, pool: { maxConnections } });
      expectAllRejected(await burst(t, 10_000, 50_000), EXPECTED.refused);
    }
  }, 180_000);

});
