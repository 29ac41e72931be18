/**
 * Issue 14: every path that gives a connection place back wakes a waiting send (a failed open included),
 * and a place is held until its connection is closed (a retiring connection counts until its QUIT is
 * answered). Fakes here; the same against real sockets in test/transport/burst-dead-server.test.ts and
 * test/transport/connection-limit.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionPool, type PooledConnection } from '../../src/pool/pool.js';
import { Places } from '../../src/pool/places.js';
import type { SendResult } from '../../src/connection/transaction.js';
import { SmtpError } from '../../src/errors.js';

const envelope = { from: 'a@example.com', to: ['b@example.com'] };

describe('Places', () => {
  it('counts places, gives each back once, and reports every return', () => {
    let freed = 0;
    const places = new Places(2, () => (freed += 1));
    const a = places.take();
    const b = places.take();
    expect(places.take()).toBeUndefined();
    expect(places.free).toBe(0);
    a?.release();
    a?.release();
    expect(places.free).toBe(1);
    expect(freed).toBe(1);
    expect(a?.held).toBe(false);
    expect(b?.held).toBe(true);
  });
});

describe('a pool whose connections cannot be opened', () => {
  for (const maxConnections of [1, 2, 5]) {
    it(`settles every queued send with the open's error, and close() resolves (pool of ${maxConnections})`, async () => {
      let opens = 0;
      const pool = new ConnectionPool(async () => {
        opens += 1;
        await new Promise((r) => setImmediate(r));
        throw new SmtpError('ECONNECTION', 'connect ECONNREFUSED', { phase: 'connect' });
      }, { maxConnections });
      const sends = Array.from({ length: 25 }, () => pool.send(envelope, 'x'));
      const results = await Promise.allSettled(sends);
      expect(results.map((r) => (r.status === 'rejected' ? (r.reason as SmtpError).code : 'resolved'))).toEqual(Array(25).fill('ECONNECTION'));
      // Each send made its own attempt: a waiter woken by a failed open opens with the place it was given.
      expect(opens).toBe(25);
      await pool.close();
      expect(pool.pending).toBe(0);
    });
  }

  it('a waiter aborted after it was handed a place passes the place on', async () => {
    // A signal whose 'abort' event is never delivered: `aborted` turns true just as the place is handed
    // over, the window between a waiter being woken and its code running.
    const signal = { aborted: false, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    let opens = 0;
    const made: QuitGate[] = [];
    const pool = new ConnectionPool(async () => {
      opens += 1;
      await new Promise((r) => setImmediate(r));
      if (opens === 1) {
        (signal as { aborted: boolean }).aborted = true;
        throw new SmtpError('ECONNECTION', 'refused', { phase: 'connect' });
      }
      const conn = new QuitGate(opens);
      made.push(conn);
      return conn;
    }, { maxConnections: 1 });
    const first = pool.send(envelope, 'x');
    const aborted = pool.send(envelope, 'x', { signal });
    const third = pool.send(envelope, 'x');
    await expect(first).rejects.toMatchObject({ code: 'ECONNECTION' });
    await expect(aborted).rejects.toMatchObject({ code: 'EABORT' });
    await expect(third).resolves.toMatchObject({ accepted: ['b@example.com'] });
    expect(opens).toBe(2);
    const closing = pool.close();
    made.at(-1)?.answerQuit();
    await closing;
  });
});

/** A connection whose QUIT is answered only when the test says so. */
class QuitGate implements PooledConnection {
  usable = true;
  inFlight = 0;
  needsReset = false;
  capabilities = { pipelining: false };
  quitting = false;
  #answerQuit: (() => void) | undefined;
  constructor(readonly id: number) {}
  async send(): Promise<SendResult> {
    await new Promise((r) => setImmediate(r));
    return { accepted: ['b@example.com'], rejected: [], response: '250 ok', replyCode: 250, messageBytes: 1, method: 'DATA' };
  }
  async noop(): Promise<void> {}
  async rset(): Promise<void> {}
  quit(): Promise<void> {
    this.quitting = true;
    return new Promise<void>((resolve) => {
      this.#answerQuit = () => {
        this.usable = false;
        resolve();
      };
    });
  }
  answerQuit(): void {
    this.#answerQuit?.();
  }
  close(): void {
    this.usable = false;
  }
  setKeepAlive(): void {}
}

describe('a retiring connection', () => {
  it('holds its place until its QUIT is answered: the replacement opens only then', async () => {
    const made: QuitGate[] = [];
    const pool = new ConnectionPool(async () => {
      const conn = new QuitGate(made.length + 1);
      made.push(conn);
      return conn;
    }, { maxConnections: 1, maxMessagesPerConnection: 1 });
    const first = await pool.send(envelope, 'x');
    expect(first.connectionId).toBe(1);
    const second = pool.send(envelope, 'x');
    await new Promise((r) => setTimeout(r, 20));
    // Connection 1 is saying QUIT and has no answer yet: no second connection while it still counts.
    expect(made[0]?.quitting).toBe(true);
    expect(made).toHaveLength(1);
    made[0]?.answerQuit();
    await expect(second).resolves.toMatchObject({ connectionId: 2 });
    const closing = pool.close();
    made[1]?.answerQuit();
    await closing;
  });
});

describe('a fresh send (retry after a network failure) when every place is held by an idle connection', () => {
  it('makes an idle connection give its place up instead of waiting for the idle timeout', async () => {
    const made: QuitGate[] = [];
    const pool = new ConnectionPool(async () => {
      const conn = new QuitGate(made.length + 1);
      made.push(conn);
      return conn;
    }, { maxConnections: 1, idleTimeoutMs: 600_000 });
    await pool.send(envelope, 'x');
    const fresh = pool.send(envelope, 'x', {}, true);
    await new Promise((r) => setImmediate(r));
    expect(made[0]?.quitting).toBe(true);
    made[0]?.answerQuit();
    await expect(fresh).resolves.toMatchObject({ connectionId: 2, newConnection: true });
    const closing = pool.close();
    made[1]?.answerQuit();
    await closing;
  });
});
