import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { ConnectionPool, type PooledConnection, type PoolOptions } from '../../src/pool/pool.js';
import type { SendResult } from '../../src/connection/transaction.js';
import { SmtpError } from '../../src/errors.js';
import { abortSubscriberCount } from '../../src/abort/fanout.js';

class FakeConnection implements PooledConnection {
  usable = true;
  inFlight = 0;
  needsReset = false;
  capabilities = { pipelining: false };
  sent: string[] = [];
  noops = 0;
  rsets = 0;
  quits = 0;
  keepAlive = true;
  /** keepAlive as it was when quit() ran (a QUIT on an unref-ed socket can be cut off by process exit). */
  keepAliveAtQuit: boolean | undefined;
  maxConcurrent = 0;
  failNoop = false;
  /** When set, send waits for release() instead of resolving at once. */
  hold = false;
  #held: Array<() => void> = [];

  constructor(readonly id: number) {}

  /** Transactions started while the pool had the socket unref'd (the process could exit under them). */
  sentWhileUnref = 0;

  async send(envelope: { to: string[] }): Promise<SendResult> {
    if (!this.keepAlive) this.sentWhileUnref += 1;
    this.inFlight += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((r) => this.#held.push(r));
      else await new Promise((r) => setImmediate(r));
      if (!this.usable) throw new SmtpError('ECONNECTION', 'died', { phase: 'data' });
      this.sent.push(envelope.to[0] ?? '');
      return { accepted: envelope.to, rejected: [], response: '250 ok', replyCode: 250, messageBytes: 1, method: 'DATA' };
    } finally {
      this.inFlight -= 1;
    }
  }
  releaseAll(): void {
    for (const r of this.#held.splice(0)) r();
  }
  async noop(): Promise<void> {
    this.noops += 1;
    if (this.failNoop) {
      this.usable = false;
      throw new SmtpError('ECONNECTION', 'gone', { phase: 'mail' });
    }
  }
  async rset(): Promise<void> {
    this.rsets += 1;
    this.needsReset = false;
  }
  async quit(): Promise<void> {
    this.quits += 1;
    this.keepAliveAtQuit = this.keepAlive;
    this.usable = false;
  }
  close(): void {
    this.usable = false;
  }
  setKeepAlive(active: boolean): void {
    this.keepAlive = active;
  }
}

function makePool(options: Partial<PoolOptions> = {}, setup?: (c: FakeConnection) => void) {
  const made: FakeConnection[] = [];
  const events: string[] = [];
  const pool = new ConnectionPool(
    async () => {
      const conn = new FakeConnection(made.length + 1);
      setup?.(conn);
      made.push(conn);
      return conn;
    },
    { maxConnections: 2, idleTimeoutMs: 60_000, ...options },
    { onOpen: (id) => events.push(`open ${id}`), onClose: (id, reason) => events.push(`close ${id} ${reason}`) },
  );
  return { pool, made, events };
}

const env = (to: string) => ({ from: 'a@example.com', to: [to] });

describe('ConnectionPool', () => {
  it('refuses a maxConnections or pipelineDepth that is not a whole number of at least 1 (ECONFIG)', () => {
    for (const bad of [{ maxConnections: 0 }, { maxConnections: 2.5 }, { pipelineDepth: 0 }, { pipelineDepth: -1 }, { pipelineDepth: Number.NaN }]) {
      expect(() => makePool(bad)).toThrow(expect.objectContaining({ code: 'ECONFIG' }));
    }
    expect(makePool({ maxConnections: 3, pipelineDepth: 1 }).pool.maxInFlight).toBe(3);
    expect(makePool({ maxConnections: 3, pipelineDepth: 2 }).pool.maxInFlight).toBe(6);
  });

  it('reuses one connection for sends in sequence and parks it unref-ed', async () => {
    const { pool, made } = makePool();
    for (let i = 0; i < 5; i += 1) await pool.send(env(`r${i}@x`), 'body');
    expect(made).toHaveLength(1);
    expect(made[0]?.sent).toHaveLength(5);
    expect(made[0]?.keepAlive).toBe(false);
    await pool.close();
  });

  it('never opens more than maxConnections and serves waiters in arrival order', async () => {
    const { pool, made } = makePool({ maxConnections: 2, pipelineDepth: 1 });
    const order: string[] = [];
    const sends = Array.from({ length: 10 }, (_, i) => pool.send(env(`r${i}@x`), 'b').then(() => order.push(`r${i}@x`)));
    await Promise.all(sends);
    expect(made).toHaveLength(2);
    expect(made.every((c) => c.maxConcurrent === 1)).toBe(true);
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}@x`));
    await pool.close();
  });

  it('stacks a second transaction on a PIPELINING connection when every connection is busy', async () => {
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 2 }, (c) => {
      c.capabilities.pipelining = true;
      c.hold = true;
    });
    const a = pool.send(env('a@x'), 'b');
    const b = pool.send(env('b@x'), 'b');
    const c = pool.send(env('c@x'), 'b');
    await new Promise((r) => setTimeout(r, 20));
    expect(made).toHaveLength(1);
    expect(made[0]?.inFlight).toBe(2);
    expect(pool.pending).toBe(1);
    made[0]?.releaseAll();
    await Promise.all([a, b]);
    await new Promise((r) => setTimeout(r, 5));
    made[0]?.releaseAll();
    await c;
    expect(made[0]?.sent).toEqual(['a@x', 'b@x', 'c@x']);
    await pool.close();
  });

  it('drops a broken connection and opens a new one for the next send', async () => {
    const { pool, made, events } = makePool({ maxConnections: 1 });
    await pool.send(env('a@x'), 'b');
    made[0]!.usable = false;
    await pool.send(env('b@x'), 'b');
    expect(made).toHaveLength(2);
    expect(events).toContain('close 1 connection broken');
    await pool.close();
  });

  it('retires a connection after maxMessagesPerConnection with QUIT', async () => {
    const { pool, made } = makePool({ maxConnections: 1, maxMessagesPerConnection: 3 });
    for (let i = 0; i < 7; i += 1) await pool.send(env(`r${i}@x`), 'b');
    expect(made.map((c) => c.sent.length)).toEqual([3, 3, 1]);
    expect(made[0]?.quits).toBe(1);
    await pool.close();
  });

  it('NOOPs a connection parked longer than checkAfterIdleMs and replaces it, without failing the send', async () => {
    const { pool, made } = makePool({ maxConnections: 1, checkAfterIdleMs: 10 });
    await pool.send(env('a@x'), 'b');
    made[0]!.failNoop = true;
    await new Promise((r) => setTimeout(r, 30));
    const result = await pool.send(env('b@x'), 'b');
    expect(result.accepted).toEqual(['b@x']);
    expect(made[0]?.noops).toBe(1);
    expect(made).toHaveLength(2);
    await pool.close();
  });

  it('RSETs a connection a failed transaction left dirty before reuse', async () => {
    const { pool, made } = makePool({ maxConnections: 1 });
    await pool.send(env('a@x'), 'b');
    made[0]!.needsReset = true;
    await pool.send(env('b@x'), 'b');
    expect(made[0]?.rsets).toBe(1);
    expect(made).toHaveLength(1);
    await pool.close();
  });

  it('closes idle connections after idleTimeoutMs', async () => {
    const { pool, made, events } = makePool({ idleTimeoutMs: 20 });
    await pool.send(env('a@x'), 'b');
    await new Promise((r) => setTimeout(r, 60));
    expect(made[0]?.quits).toBe(1);
    expect(events).toContain('close 1 idle timeout');
    expect(pool.size).toBe(0);
    await pool.close();
  });

  it('closes a connection idleTimeoutMs after its last park, not its first; never one in use (one timer per connection)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { pool, made, events } = makePool({ idleTimeoutMs: 1000, maxConnections: 1 });
      await pool.send(env('a@x'), 'b'); // parked at 0
      await vi.advanceTimersByTimeAsync(600);
      await pool.send(env('b@x'), 'b'); // taken, parked again at 600
      await vi.advanceTimersByTimeAsync(600); // 1200: past the first park's deadline, not the second's
      expect(events).not.toContain('close 1 idle timeout');
      expect(pool.size).toBe(1);
      await vi.advanceTimersByTimeAsync(500); // 1700: idle since 600
      expect(events).toContain('close 1 idle timeout');
      // In use when the timer fires: left open, and closed once it has been idle long enough after that.
      const second = makePool({ idleTimeoutMs: 1000, maxConnections: 1 });
      await second.pool.send(env('c@x'), 'b'); // parked at 1700
      const conn = second.made[0] as FakeConnection;
      conn.hold = true;
      const held = second.pool.send(env('d@x'), 'b');
      await vi.advanceTimersByTimeAsync(1500); // the timer fires with the send still running
      expect(second.events).not.toContain('close 1 idle timeout');
      conn.releaseAll();
      await held; // parked again at 3200
      await vi.advanceTimersByTimeAsync(900);
      expect(second.events).not.toContain('close 1 idle timeout');
      await vi.advanceTimersByTimeAsync(200);
      expect(second.events).toContain('close 1 idle timeout');
      expect([made.length, second.made.length]).toEqual([1, 1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a queued send handed a connection that a failed transaction left dirty RSETs it first', async () => {
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 1 });
    await pool.send(env('a@x'), 'b');
    const conn = made[0] as FakeConnection;
    conn.hold = true;
    const first = pool.send(env('b@x'), 'b');
    // Both wait in the queue (no connection, no place, no pipeline room).
    const queued = [pool.send(env('c@x'), 'b'), pool.send(env('d@x'), 'b')];
    await new Promise((r) => setImmediate(r));
    expect(pool.pending).toBe(2);
    conn.needsReset = true;
    conn.hold = false;
    conn.releaseAll();
    await Promise.all([first, ...queued]);
    expect(conn.rsets).toBe(1);
    expect(conn.sent).toEqual(['a@x', 'b@x', 'c@x', 'd@x']);
    expect(made).toHaveLength(1);
    await pool.close();
  });

  it('a queued send on a custom connection whose send() throws fails alone; the pool keeps count', async () => {
    const made: FakeConnection[] = [];
    let throwNext = false;
    const pool = new ConnectionPool(
      async () => {
        const conn = new FakeConnection(made.length + 1);
        const send = conn.send.bind(conn);
        conn.send = (envelope: { to: string[] }) => {
          if (throwNext) {
            throwNext = false;
            throw new SmtpError('EPROTOCOL', 'thrown, not rejected', { phase: 'mail' });
          }
          return send(envelope);
        };
        made.push(conn);
        return conn;
      },
      { maxConnections: 1, pipelineDepth: 1, idleTimeoutMs: 60_000 },
    );
    await pool.send(env('a@x'), 'b');
    const conn = made[0] as FakeConnection;
    conn.hold = true;
    const first = pool.send(env('b@x'), 'b');
    const thrown = pool.send(env('c@x'), 'b');
    const last = pool.send(env('d@x'), 'b');
    await new Promise((r) => setImmediate(r));
    expect(pool.pending).toBe(2);
    throwNext = true;
    conn.hold = false;
    conn.releaseAll();
    await first;
    await expect(thrown).rejects.toMatchObject({ code: 'EPROTOCOL' });
    await last;
    expect(conn.sent).toEqual(['a@x', 'b@x', 'd@x']);
    await pool.close(); // resolves only when the pool counts no send as running
    expect(conn.quits).toBe(1);
  });

  it('close() drains queued sends, QUITs everything, and later sends fail with ECLOSED', async () => {
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 1 });
    const sends = [pool.send(env('a@x'), 'b'), pool.send(env('b@x'), 'b'), pool.send(env('c@x'), 'b')];
    const closing = pool.close();
    await Promise.all(sends);
    await closing;
    expect(made[0]?.sent).toEqual(['a@x', 'b@x', 'c@x']);
    expect(made[0]?.quits).toBe(1);
    await expect(pool.send(env('d@x'), 'b')).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  it('close() takes a parked (unref-ed) connection back before QUIT, so awaiting close() cannot hang the process', async () => {
    const { pool, made } = makePool();
    await pool.send(env('a@x'), 'b');
    expect(made[0]?.keepAlive).toBe(false);
    await pool.close();
    expect(made[0]?.quits).toBe(1);
    expect(made[0]?.keepAliveAtQuit).toBe(true);
  });

  it('a signal shared by many waiting sends keeps no abort listener once they are done', async () => {
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 1 }, (c) => (c.hold = true));
    const controller = new AbortController();
    const sends = Array.from({ length: 5 }, (_, i) => pool.send(env(`r${i}@x`), 'b', { signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 5));
    // The four waiting subscribe through one listener on the signal (src/abort/fanout.ts).
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    expect(abortSubscriberCount(controller.signal)).toBe(4);
    for (let i = 0; i < 5; i += 1) {
      made[0]?.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sends);
    expect(made[0]?.sent).toHaveLength(5);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    await pool.close();
  });

  it('never parks (unref, idle timer) a connection a send has already taken, however completions interleave', async () => {
    const { pool, made, events } = makePool({ maxConnections: 1, pipelineDepth: 2, idleTimeoutMs: 40 }, (c) => {
      c.capabilities.pipelining = true;
      c.hold = true;
    });
    // Two in flight, a third waiting; the two complete in the same tick and the third takes the connection.
    const a = pool.send(env('a@x'), 'b');
    const b = pool.send(env('b@x'), 'b');
    await new Promise((r) => setTimeout(r, 5));
    const c = pool.send(env('c@x'), 'b');
    await new Promise((r) => setTimeout(r, 5));
    made[0]?.releaseAll();
    await Promise.all([a, b]);
    await new Promise((r) => setTimeout(r, 5));
    const conn = made[0];
    expect(conn?.inFlight).toBe(1); // c
    expect(conn?.keepAlive).toBe(true);
    // Longer than idleTimeoutMs with c still running: no idle timer may fire under it.
    await new Promise((r) => setTimeout(r, 80));
    expect(events.filter((e) => e.includes('idle timeout'))).toEqual([]);
    conn?.releaseAll();
    await c;
    expect(conn?.sentWhileUnref).toBe(0);
    expect(conn?.sent).toEqual(['a@x', 'b@x', 'c@x']);
    await pool.close();
  });

  it('an aborted waiter leaves the queue with EABORT', async () => {
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 1 }, (c) => (c.hold = true));
    const first = pool.send(env('a@x'), 'b');
    await new Promise((r) => setTimeout(r, 5));
    const controller = new AbortController();
    const second = pool.send(env('b@x'), 'b', { signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'EABORT' });
    made[0]?.releaseAll();
    await first;
    expect(made[0]?.sent).toEqual(['a@x']);
    await pool.close();
  });

  it('waiters with and without signals keep their order; an aborted one leaves it, and close() does not wait for it', async () => {
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 1 }, (c) => (c.hold = true));
    const shared = new AbortController();
    const own = new AbortController();
    const first = pool.send(env('a@x'), 'b');
    await new Promise((r) => setTimeout(r, 5));
    const outcome = (p: Promise<unknown>) => p.then(() => 'sent', (e: { code: string }) => e.code);
    const waiting = [
      outcome(pool.send(env('b@x'), 'b', { signal: shared.signal })),
      outcome(pool.send(env('c@x'), 'b', { signal: own.signal })),
      outcome(pool.send(env('d@x'), 'b')),
      outcome(pool.send(env('e@x'), 'b', { signal: shared.signal })),
    ];
    expect(pool.pending).toBe(4);
    expect(abortSubscriberCount(shared.signal)).toBe(2);
    own.abort();
    expect(pool.pending).toBe(3);
    const closing = pool.close();
    for (let i = 0; i < 4; i += 1) {
      made[0]?.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    await first;
    expect(await Promise.all(waiting)).toEqual(['sent', 'EABORT', 'sent', 'sent']);
    expect(made[0]?.sent).toEqual(['a@x', 'b@x', 'd@x', 'e@x']);
    expect(abortSubscriberCount(shared.signal)).toBe(0);
    expect(getEventListeners(shared.signal, 'abort')).toEqual([]);
    await closing;
  });

  it('a waiter woken to look again (pipeline room) whose signal aborts before it looks fails with EABORT, unsent', async () => {
    const controller = new AbortController();
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 2 }, (c) => {
      c.hold = true;
      c.capabilities.pipelining = true;
      const send = c.send.bind(c);
      c.send = async (envelope) => {
        const result = await send(envelope);
        // The pool annotates a's result right after a's end woke the waiter, and before the waiter looks:
        // the abort lands exactly between the two.
        if (envelope.to[0] === 'a@x') {
          Object.defineProperty(result, 'connectionId', { configurable: true, get: () => 1, set: () => controller.abort() });
        }
        return result;
      };
    });
    // A connection opened and idle first: a and b then take it at once, and their results are annotated
    // after their slot is given back (an opening send annotates before).
    const warm = pool.send(env('w@x'), 'b');
    await new Promise((r) => setTimeout(r, 5));
    made[0]?.releaseAll();
    await warm;
    const a = pool.send(env('a@x'), 'b');
    const b = pool.send(env('b@x'), 'b');
    const c = pool.send(env('c@x'), 'b', { signal: controller.signal }).catch((e: SmtpError) => `${e.code}: ${e.message}`);
    expect(pool.pending).toBe(1);
    made[0]?.releaseAll();
    await Promise.all([a, b]);
    expect(await c).toBe('EABORT: The send was aborted while waiting for a connection');
    expect(made[0]?.sent).toEqual(['w@x', 'a@x', 'b@x']);
    await pool.close();
  });

  it('close() waiting on queued sends ends when their signal aborts them', async () => {
    const { pool, made } = makePool({ maxConnections: 1, pipelineDepth: 1 }, (c) => (c.hold = true));
    const controller = new AbortController();
    const first = pool.send(env('a@x'), 'b');
    await new Promise((r) => setTimeout(r, 5));
    const queued = Array.from({ length: 3 }, (_, i) => pool.send(env(`q${i}@x`), 'b', { signal: controller.signal }).catch((e: { code: string }) => e.code));
    const closing = pool.close();
    controller.abort();
    expect(await Promise.all(queued)).toEqual(['EABORT', 'EABORT', 'EABORT']);
    made[0]?.releaseAll();
    await first;
    await closing;
    expect(made[0]?.sent).toEqual(['a@x']);
  });
});

describe('ConnectionPool results from custom connections', () => {
  it('copies a frozen result instead of annotating it (a delivered message must not turn into a failure)', async () => {
    const { pool } = makePool({ maxConnections: 1 }, (conn) => {
      const send = conn.send.bind(conn);
      conn.send = async (envelope) => Object.freeze(await send(envelope));
    });
    const first = await pool.send(env('one@example.com'), 'x'); // opens the connection (#acquire)
    const second = await pool.send(env('two@example.com'), 'x'); // takes the parked one (fast path)
    expect([first.connectionId, second.connectionId]).toEqual([1, 1]);
    expect([first.newConnection, second.newConnection]).toEqual([true, false]);
    expect(second.accepted).toEqual(['two@example.com']);
    await pool.close();
  });

  it('treats null options as none (JavaScript callers)', async () => {
    const { pool } = makePool();
    const result = await pool.send(env('one@example.com'), 'x', null as never);
    expect(result.accepted).toEqual(['one@example.com']);
    await pool.close();
  });
});
