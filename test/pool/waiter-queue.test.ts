import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WaiterQueue } from '../../src/pool/waiter-queue.js';

describe('WaiterQueue', () => {
  it('is first in, first out; unshift puts a value at the front', () => {
    const q = new WaiterQueue<string>();
    q.push('a');
    q.push('b');
    q.unshift('z');
    q.push('c');
    expect(q.length).toBe(4);
    expect(q.drain()).toEqual(['z', 'a', 'b', 'c']);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('removes entries at the head, in the middle and at the tail, once', () => {
    const q = new WaiterQueue<number>();
    const entries = [1, 2, 3, 4, 5].map((n) => q.push(n));
    expect(q.remove(entries[0]!)).toBe(true);
    expect(q.remove(entries[2]!)).toBe(true);
    expect(q.remove(entries[4]!)).toBe(true);
    expect(q.remove(entries[2]!)).toBe(false);
    expect(q.length).toBe(2);
    expect(q.drain()).toEqual([2, 4]);
    // An entry that left through shift() cannot be removed again.
    const e = q.push(9);
    expect(q.shift()).toBe(9);
    expect(q.remove(e)).toBe(false);
    expect(q.length).toBe(0);
  });

  it('behaves like an array model under any sequence of operations', () => {
    type Op = { kind: 'push'; value: number } | { kind: 'unshift'; value: number } | { kind: 'shift' } | { kind: 'remove'; pick: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), value: fc.integer() }),
      fc.record({ kind: fc.constant('unshift' as const), value: fc.integer() }),
      fc.record({ kind: fc.constant('shift' as const) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops: Op[]) => {
        const q = new WaiterQueue<{ v: number }>();
        let model: Array<{ v: number }> = [];
        const entries: Array<ReturnType<typeof q.push>> = [];
        for (const o of ops) {
          if (o.kind === 'push' || o.kind === 'unshift') {
            const value = { v: o.value };
            entries.push(o.kind === 'push' ? q.push(value) : q.unshift(value));
            if (o.kind === 'push') model.push(value);
            else model.unshift(value);
          } else if (o.kind === 'shift') {
            expect(q.shift()).toBe(model.shift());
          } else if (entries.length > 0) {
            const entry = entries[o.pick % entries.length]!;
            const inModel = model.includes(entry.value);
            expect(q.remove(entry)).toBe(inModel);
            model = model.filter((x) => x !== entry.value);
          }
          expect(q.length).toBe(model.length);
        }
        expect(q.drain()).toEqual(model);
      }),
    );
  });
});
