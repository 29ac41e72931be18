/**
 * The pool under arbitrary interleavings of completions and new sends. Each fake transaction completes
 * after a random number of microtask hops, and sends are fired at random hops, so a slot can be picked by
 * one send while others finish: the bookkeeping must hold whatever the order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionPool, type PooledConnection } from '../../src/pool/pool.js';
import type { SendResult } from '../../src/connection/transaction.js';

async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await Promise.resolve();
}

class HopConnection implements PooledConnection {
  usable = true;
  inFlight = 0;
  maxInFlight = 0;
  needsReset = false;
  capabilities = { pipelining: true };
  keepAlive = true;
  sentWhileUnref = 0;
  sent = 0;
  constructor(private readonly delays: () => number) {}
  async send(): Promise<SendResult> {
    if (!this.keepAlive) this.sentWhileUnref += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await hops(this.delays());
      this.sent += 1;
      return { accepted: ['x'], rejected: [], response: '250 ok', replyCode: 250, messageBytes: 1, method: 'BDAT' };
    } finally {
      this.inFlight -= 1;
    }
  }
  async noop(): Promise<void> {}
  async rset(): Promise<void> {}
  async quit(): Promise<void> {
    this.usable = false;
  }
  close(): void {
    this.usable = false;
  }
  setKeepAlive(active: boolean): void {
    this.keepAlive = active;
  }
}

describe('ConnectionPool interleavings', () => {
  it('never exceeds pipelineDepth, never sends on a parked (unref-ed) connection, and delivers everything', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 40 }), // hop at which each send is fired
        fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 40 }), // hops each transaction takes
        fc.integer({ min: 1, max: 3 }), // maxConnections
        fc.integer({ min: 1, max: 3 }), // pipelineDepth
        async (fireAt, durations, maxConnections, pipelineDepth) => {
          let d = 0;
          const delays = () => durations[d++ % durations.length] ?? 0;
          const made: HopConnection[] = [];
          const pool = new ConnectionPool(
            async () => {
              const conn = new HopConnection(delays);
              made.push(conn);
              return conn;
            },
            { maxConnections, pipelineDepth, idleTimeoutMs: 60_000, checkAfterIdleMs: 60_000 },
          );
          const sends = fireAt.map(async (at) => {
            await hops(at);
            return pool.send({ from: 'a@x', to: ['b@x'] }, 'body');
          });
          const results = await Promise.all(sends);
          expect(results).toHaveLength(fireAt.length);
          expect(made.length).toBeLessThanOrEqual(maxConnections);
          for (const conn of made) {
            expect(conn.sentWhileUnref).toBe(0);
            expect(conn.maxInFlight).toBeLessThanOrEqual(pipelineDepth);
          }
          expect(made.reduce((n, c) => n + c.sent, 0)).toBe(fireAt.length);
          await pool.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
