/**
 * The shared abort listener: one real listener on the caller's signal however many subscribers, callbacks in
 * subscription order and each at most once, and nothing of ours left on the signal once the last one leaves.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortSubscriberCount, subscribeAbort } from '../../src/abort/fanout.js';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('subscribeAbort', () => {
  it('calls back in subscription order, each once, through one listener on the signal', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 20; i += 1) subscribeAbort(controller.signal, () => calls.push(i));
    expect(listeners(controller.signal)).toBe(1);
    expect(abortSubscriberCount(controller.signal)).toBe(20);
    controller.abort();
    controller.abort();
    controller.signal.dispatchEvent(new Event('abort'));
    expect(calls).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(listeners(controller.signal)).toBe(0);
    expect(abortSubscriberCount(controller.signal)).toBe(0);
  });

  it('runs its callbacks where its first subscriber stands among the signal\'s other listeners', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    controller.signal.addEventListener('abort', () => calls.push('caller before'));
    subscribeAbort(controller.signal, () => calls.push('ours 1'));
    controller.signal.addEventListener('abort', () => calls.push('caller after'));
    subscribeAbort(controller.signal, () => calls.push('ours 2'));
    controller.abort();
    expect(calls).toEqual(['caller before', 'ours 1', 'ours 2', 'caller after']);
  });

  it('removes its listener from the signal when the last subscriber leaves, and adds it again for the next', () => {
    const controller = new AbortController();
    const a = subscribeAbort(controller.signal, () => undefined);
    const b = subscribeAbort(controller.signal, () => undefined);
    a.unsubscribe();
    expect(listeners(controller.signal)).toBe(1);
    b.unsubscribe();
    b.unsubscribe();
    expect(listeners(controller.signal)).toBe(0);
    expect(abortSubscriberCount(controller.signal)).toBe(0);
    let called = 0;
    subscribeAbort(controller.signal, () => (called += 1));
    expect(listeners(controller.signal)).toBe(1);
    controller.abort();
    expect(called).toBe(1);
  });

  it('does not call a subscriber removed from the middle, and keeps the others in order', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    subscribeAbort(controller.signal, () => calls.push('first'));
    const middle = subscribeAbort(controller.signal, () => calls.push('middle'));
    subscribeAbort(controller.signal, () => calls.push('last'));
    middle.unsubscribe();
    expect(abortSubscriberCount(controller.signal)).toBe(2);
    subscribeAbort(controller.signal, () => calls.push('after'));
    controller.abort();
    expect(calls).toEqual(['first', 'last', 'after']);
  });

  it('does not call a subscriber an earlier callback of the same abort removed; removing oneself or a called one is harmless', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const subs: Array<{ unsubscribe(): void }> = [];
    subs.push(
      subscribeAbort(controller.signal, () => {
        calls.push('a');
        subs[0]?.unsubscribe(); // itself, already called
        subs[2]?.unsubscribe(); // a later one, not yet called
      }),
    );
    subs.push(
      subscribeAbort(controller.signal, () => {
        calls.push('b');
        subs[0]?.unsubscribe(); // an earlier one, already called
      }),
    );
    subs.push(subscribeAbort(controller.signal, () => calls.push('c')));
    subs.push(subscribeAbort(controller.signal, () => calls.push('d')));
    controller.abort();
    expect(calls).toEqual(['a', 'b', 'd']);
    for (const sub of subs) sub.unsubscribe();
    expect(listeners(controller.signal)).toBe(0);
  });

  it('registers nothing on a signal that has already aborted (as addEventListener would not call back)', () => {
    const signal = AbortSignal.abort();
    let called = 0;
    const sub = subscribeAbort(signal, () => (called += 1));
    expect(called).toBe(0);
    expect(listeners(signal)).toBe(0);
    expect(abortSubscriberCount(signal)).toBe(0);
    sub.unsubscribe();
  });

  it('registers nothing from a callback of the abort itself (the signal has aborted by then)', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    subscribeAbort(controller.signal, () => {
      calls.push('outer');
      subscribeAbort(controller.signal, () => calls.push('inner'));
    });
    controller.abort();
    expect(calls).toEqual(['outer']);
    expect(abortSubscriberCount(controller.signal)).toBe(0);
  });

  it('runs every callback when one throws, and reports the error as an EventTarget listener\'s would be', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const boom = new Error('listener failed');
    subscribeAbort(controller.signal, () => calls.push('before'));
    subscribeAbort(controller.signal, () => {
      throw boom;
    });
    subscribeAbort(controller.signal, () => calls.push('after'));
    // Vitest reports uncaught exceptions as test errors: catch this one while it is expected.
    const reported = new Promise<unknown>((resolve) => {
      const listeners = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (error) => {
        for (const listener of listeners) process.on('uncaughtException', listener);
        resolve(error);
      });
    });
    controller.abort();
    expect(calls).toEqual(['before', 'after']);
    expect(await reported).toBe(boom);
  });

  it('leaves no listener behind when subscribing throws (a signal whose addEventListener fails)', () => {
    const bogus = {
      aborted: false,
      addEventListener: () => {
        throw new TypeError('not a real signal');
      },
      removeEventListener: () => undefined,
    } as unknown as AbortSignal;
    expect(() => subscribeAbort(bogus, () => undefined)).toThrow(TypeError);
    expect(abortSubscriberCount(bogus)).toBe(0);
  });

  it('takes 10,000 subscribers and lets them go in any order with a constant number of steps each', () => {
    const controller = new AbortController();
    const count = 10_000;
    const subs = Array.from({ length: count }, () => subscribeAbort(controller.signal, () => undefined));
    expect(listeners(controller.signal)).toBe(1);
    expect(abortSubscriberCount(controller.signal)).toBe(count);
    // Middle out, then the ends: every removal is a relink of two neighbours, never a search.
    const order = [...subs.keys()].sort((x, y) => Math.abs(x - count / 2) - Math.abs(y - count / 2));
    for (const i of order) subs[i]?.unsubscribe();
    expect(abortSubscriberCount(controller.signal)).toBe(0);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('calls 10,000 subscribers of one abort once each, in order, skipping the half removed first', () => {
    const controller = new AbortController();
    const count = 10_000;
    const calls: number[] = [];
    const subs = Array.from({ length: count }, (_, i) => subscribeAbort(controller.signal, () => calls.push(i)));
    for (let i = 1; i < count; i += 2) subs[i]?.unsubscribe();
    controller.abort();
    expect(calls).toEqual(Array.from({ length: count / 2 }, (_, i) => i * 2));
  });
});
