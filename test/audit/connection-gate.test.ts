import { describe, expect, it } from 'vitest';
import { ConnectionGate } from '../../src/audit/connection-gate.js';

describe('audit: connection gate', () => {
  it('hands a freed slot to the first waiter, not to a newcomer that asks in between', async () => {
    const gate = new ConnectionGate(1, 0);
    const order: string[] = [];
    const releaseA = await gate.acquire();
    const b = gate.acquire().then((release) => (order.push('b'), release));
    releaseA();
    const c = gate.acquire().then((release) => (order.push('c'), release));
    const releaseB = await b;
    expect(order).toEqual(['b']); // c waits while b holds the only slot
    releaseB();
    (await c)();
    expect(order).toEqual(['b', 'c']);
    expect(gate.opened).toBe(3);
  });
});
