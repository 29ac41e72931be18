/**
 * Servers that try to make the client hold unbounded memory: a 10 MB reply line and a multiline reply
 * that never ends, at the greeting, at EHLO and in answer to the final dot. The client must stop reading
 * at its limits (EPROTOCOL), hang up, keep its memory growth small while the server spews, never retry
 * after the dot, and stay usable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedServer, type Step } from '../helpers/scripted-server.js';
import { MB, watchMemory } from '../helpers/memory.js';
import { NAME, defer, failureOf, faultTransport, healthySession, message, messageIds, opening, runCleanups } from './harness.js';

afterEach(runCleanups);

const TEN_MB_LINE = (code: string): Step[] => [{ raw: `${code} ` }, { spew: 'x', bytes: 10 * MB }, { raw: '\r\n' }];
/** Open-ended: the scripted server keeps writing continuation lines until the client hangs up. */
const ENDLESS = (code: string): Step[] => [{ spew: `${code}-still going, and going, and going\r\n` }];
const envelope: Step[] = [{ c: /^MAIL FROM:<a@example\.com>/ }, { c: 'RCPT TO:<b@example.com>' }, { c: 'DATA' }];
const toDot: Step[] = [...opening(), ...envelope, { s: '250 2.1.0 ok' }, { s: '250 2.1.5 ok' }, { s: '354 go' }, { data: true }];

const WHERE: Array<{ name: string; before: Step[]; code: string; phase: string }> = [
  { name: 'greeting', before: [], code: '220', phase: 'greeting' },
  { name: 'EHLO reply', before: [{ s: '220 mx.test' }, { c: `EHLO ${NAME}` }], code: '250', phase: 'ehlo' },
];

describe.each([
  { kind: 'a 10 MB reply line', spew: TEN_MB_LINE },
  { kind: 'an endless multiline reply', spew: ENDLESS },
])('$kind', ({ spew }) => {
  it.each(WHERE)('at the $name: EPROTOCOL, memory stays bounded, not retried, the transport still works', async ({ before, code, phase }) => {
    const server = await scriptedServer([...before, ...spew(code), { hang: true }], healthySession({}, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const memory = watchMemory();
    const error = await failureOf(transport.send(message(1)));
    const growth = memory.stop();
    expect(error.toJSON()).toMatchObject({ code: 'EPROTOCOL', phase, transient: false, delivery: 'none' });
    expect(error.message).toMatch(/longer than/);
    expect(growth).toBeLessThan(50 * MB);
    expect(retries).toEqual([]); // a server that speaks garbage is broken, not busy
    expect(server.received[0]).not.toContain('MAIL');
    // The client hung up long before the end: an open-ended spew stops far below its 256 MB cap.
    await new Promise((r) => setTimeout(r, 50));
    expect(server.spewed[0]).toBeLessThan(64 * MB);
    const info = await transport.send(message(2));
    expect(info.attempts).toBe(1);
  });

  it("in answer to the final dot: EPROTOCOL with delivery 'unknown', never retried, exactly one copy on the server", async () => {
    const server = await scriptedServer([...toDot, ...spew('250'), { hang: true }], healthySession({}, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const memory = watchMemory();
    const error = await failureOf(transport.send(message(1)));
    expect(memory.stop()).toBeLessThan(50 * MB);
    expect(error.toJSON()).toMatchObject({ code: 'EPROTOCOL', phase: 'data', delivery: 'unknown' });
    expect(retries).toEqual([]);
    expect(server.bodies).toHaveLength(1);
    const info = await transport.send(message(2));
    expect(info.attempts).toBe(1);
    expect(messageIds(server.bodies)).toHaveLength(2);
    expect(messageIds(server.bodies)[1]).toBe(info.messageId);
  });
});
