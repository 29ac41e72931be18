import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTransport, type SmtpError } from '../../src/index.js';
import { RateLimiter } from '../../src/transport/rate-limiter.js';
import { startSink, type SunkMessage } from '../../src/sink/index.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

describe('an abort while a send waits for its rate-limit slot', () => {
  it('settles the send at once with EABORT and delivery none, and the next waiter keeps its turn', async () => {
    const messages: SunkMessage[] = [];
    const server = await startSink({ onMessage: (m) => messages.push(m) });
    cleanups.push(() => server.close());
    // One message per minute: the second send would wait a minute for its slot.
    const t = createTransport({ host: '127.0.0.1', port: server.port, security: 'none', rateLimit: { messages: 1, perMs: 60_000 } });
    cleanups.push(() => t.close());
    await t.send({ from: 'a@example.com', to: 'one@example.com', text: 'x' });

    const controller = new AbortController();
    const waiting = t.send({ from: 'a@example.com', to: 'two@example.com', text: 'x' }, { signal: controller.signal });
    const outcome = waiting.then(
      () => 'sent',
      (error: SmtpError) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const abortedAt = performance.now();
    controller.abort();
    const error = await outcome;
    // Settled by the abort, not by the slot a minute later.
    expect(performance.now() - abortedAt).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'EABORT', delivery: 'none' });
    expect(messages).toHaveLength(1);
  });
});

describe('RateLimiter', () => {
  it('gives an aborted waiter no slot: the waiters behind it move up', async () => {
    const limiter = new RateLimiter({ messages: 1, perMs: 80 });
    await limiter.take();
    const controller = new AbortController();
    const order: string[] = [];
    const a = limiter.take(controller.signal).then(
      () => order.push('a'),
      () => order.push('a-aborted'),
    );
    const b = limiter.take().then(() => order.push('b'));
    const c = limiter.take().then(() => order.push('c'));
    controller.abort();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a-aborted', 'b', 'c']);
  });

  it('refuses a signal that was aborted before the call, without taking a slot', async () => {
    const limiter = new RateLimiter({ messages: 1, perMs: 60_000 });
    await expect(limiter.take(AbortSignal.abort())).rejects.toMatchObject({ code: 'EABORT' });
    // The slot is still free.
    await limiter.take();
  });

  it('never lets more than `messages` start in any window', async () => {
    // Fake clock: a start is recorded at the millisecond the limiter granted it, not when a later
    // microtask of the test got to run (which made the real-clock version read 59 ms now and then).
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ messages: 3, perMs: 60 });
      const starts: number[] = [];
      const all = Promise.all(Array.from({ length: 10 }, () => limiter.take().then(() => starts.push(Date.now()))));
      await vi.advanceTimersByTimeAsync(1_000);
      await all;
      expect(starts).toHaveLength(10);
      for (let i = 3; i < starts.length; i += 1) expect((starts[i] ?? 0) - (starts[i - 3] ?? 0)).toBeGreaterThanOrEqual(60);
    } finally {
      vi.useRealTimers();
    }
  });
});
