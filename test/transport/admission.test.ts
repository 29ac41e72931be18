import { describe, expect, it } from 'vitest';
import { promiseGate } from '../helpers/admission-gate.js';

describe('Admission', () => {
  it('lets `limit` callers in, queues the rest in order, and hands places on as callers leave', async () => {
    const gate = promiseGate(2);
    const order: number[] = [];
    const entries = [1, 2, 3, 4, 5].map((n) => gate.enter().then(() => order.push(n)));
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    expect(gate.waiting).toBe(3);
    gate.leave();
    gate.leave();
    // Handed on a turn of the event loop later (after the writes of this turn), not at once.
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    await afterTurns(2);
    expect(order).toEqual([1, 2, 3, 4]);
    gate.leave();
    await Promise.all(entries);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(gate.inside).toBe(2);
  });

  it('an aborted waiter leaves the queue with EABORT and does not take a place', async () => {
    const gate = promiseGate(1);
    await gate.enter();
    const controller = new AbortController();
    const waiting = gate.enter(controller.signal);
    const behind = gate.enter();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'EABORT' });
    gate.leave();
    await behind;
    expect(gate.inside).toBe(1);
    expect(gate.waiting).toBe(0);
  });
});

describe('Admission with a signal that cannot take a listener', () => {
  it('throws from enter() and leaves nothing in the queue: the next leave() hands the place to a real waiter', async () => {
    const gate = promiseGate(1);
    await gate.enter();
    const broken = { aborted: false, addEventListener: () => { throw new TypeError('not a signal'); } } as unknown as AbortSignal;
    await expect(gate.enter(broken)).rejects.toThrow('not a signal');
    expect(gate.waiting).toBe(0);
    const next = gate.enter();
    gate.leave();
    await next;
    expect(gate.inside).toBe(1);
  });
});

function afterTurns(n: number): Promise<void> {
  return n === 0 ? Promise.resolve() : new Promise((resolve) => setImmediate(() => resolve(afterTurns(n - 1))));
}
