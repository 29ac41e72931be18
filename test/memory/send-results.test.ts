/**
 * What a send's result keeps: a caller that collects results (Promise.all over a burst) keeps every one for
 * the whole burst, so its size is part of the burst's memory. Measured as heap per result kept, after a
 * collection, over results of 2,000 sends to the local sink.
 */
import { describe, expect, it } from 'vitest';
import { startSink } from '../../src/sink/index.js';
import { createTransport } from '../../src/transport/transport.js';
import type { SendInfo } from '../../src/transport/results.js';
import { collectGarbage } from '../helpers/memory.js';

const COUNT = 2000;

describe('a send result', () => {
  it('keeps no copies of its addresses and no arrays with room to spare', async () => {
    const sink = await startSink({ discard: true });
    const transport = createTransport({ host: '127.0.0.1', port: sink.port, security: 'none', pool: { maxConnections: 2 } });
    const message = (i: number) => ({ from: 'sender@example.com', to: 'rcpt@example.com', subject: `result ${i}`, text: 'body' });
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => transport.send(message(i))));
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      const results: SendInfo[] = await Promise.all(Array.from({ length: COUNT }, (_, i) => transport.send(message(i))));
      collectGarbage();
      const per = (process.memoryUsage().heapUsed - before) / COUNT;
      console.log(`${Math.round(per)} bytes of heap per result kept`);
      expect(results.every((r) => r.accepted.length === 1 && r.envelope.to.length === 1)).toBe(true);
      expect(per).toBeLessThan(1100);
    } finally {
      await transport.close();
      await sink.close();
    }
  });
});
