/**
 * 421 ("service not available, closing transmission channel") at every phase of a full session, through
 * the transport: the attempt fails with ECONNECTION carrying the 421, it is transient with delivery 'none',
 * the send is retried on a fresh connection with the same Message-ID and delivered once the next connection
 * is healthy. The connection that said 421 is never used again, and the transport keeps working afterwards.
 * The opening phases run the full STARTTLS + AUTH flow; the transaction phases run in each of the three
 * ways the client can write a transaction.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../../src/connection/transcript.js';
import { scriptedServer, type Step } from '../helpers/scripted-server.js';
import {
  CAPS, FAST_RETRY, NAME, TRUST_TEST_CERT, USER, defer, failureOf, faultTransport, healthySession, message, messageIds, opening,
  pointsOf, runCleanups, sendIn, transaction, type Mode,
} from './harness.js';

afterEach(runCleanups);

const BYE: Step[] = [{ s: '421 4.3.2 Service shutting down, closing transmission channel' }, { close: true }];
const secure = { tls: true, auth: true } as const;

interface Case {
  name: string;
  mode: Mode;
  script: Step[];
  /** The phase of the command the 421 answered. */
  phase: string;
  /** Pipelined reads still owed when the 421 came: the attempt may say 'mail' (the pipelined envelope). */
  pipelined?: boolean;
}

const OPENING: Case[] = [
  { name: 'the greeting', mode: 'pipelined', phase: 'greeting', script: [...BYE] },
  { name: 'EHLO', mode: 'pipelined', phase: 'ehlo', script: [{ s: '220 mx.test ESMTP' }, { c: `EHLO ${NAME}` }, ...BYE] },
  {
    name: 'STARTTLS',
    mode: 'pipelined',
    phase: 'starttls',
    script: [{ s: '220 mx.test ESMTP' }, { c: `EHLO ${NAME}` }, { s: '250-mx.test' }, { s: '250 STARTTLS' }, { c: 'STARTTLS' }, ...BYE],
  },
  { name: 'AUTH', mode: 'pipelined', phase: 'auth', script: [...opening({ tls: true, caps: ['PIPELINING', 'AUTH PLAIN'] }), { c: /^AUTH PLAIN / }, ...BYE] },
];

const POINTS = { mail: 'MAIL', rcpt: 'RCPT', data: 'DATA', end: 'the end of the message' } as const;
const TRANSACTION: Case[] = (['pipelined', 'chunking', 'oneflight', 'lockstep'] as const).flatMap((mode) =>
  pointsOf(mode).map((at) => ({
    name: `${POINTS[at]} (${mode})`,
    mode,
    phase: at === 'end' ? 'data' : at,
    pipelined: mode !== 'lockstep' && at !== 'end',
    script: [...opening({ ...secure, caps: CAPS[mode] }), ...transaction(mode, { at, fail: BYE })],
  })),
);

describe('421 at each phase, through the transport', () => {
  it.each([...OPENING, ...TRANSACTION])('421 at $name: ECONNECTION, transient, retried on a fresh connection, delivered once', async ({ script, mode, phase, pipelined }) => {
    const server = await scriptedServer(script, healthySession(secure, 2, mode));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, { security: 'starttls', auth: USER, tls: TRUST_TEST_CERT });

    const info = await sendIn(mode, transport, 1);
    expect(retries).toHaveLength(1);
    const first = retries[0]!;
    expect(first.toJSON()).toMatchObject({ code: 'ECONNECTION', replyCode: 421, enhancedCode: '4.3.2', transient: true, delivery: 'none' });
    expect(first.message).toContain('Service shutting down');
    expect(first.phase).toBe(phase);
    expect(info.attempts).toBe(2);
    expect(info.response).toBe('250 2.0.0 queued as H1');
    expect(server.received).toHaveLength(2); // the connection that said 421 was not reused

    // Still usable: the next send rides the healthy pooled connection.
    const second = await sendIn(mode, transport, 2);
    expect(second.attempts).toBe(1);
    await transport.close();
    await server.done;
    expect(server.errors).toEqual([]);
    // The refused attempt may have carried the body (after the dot, BDAT); the accepted ones are the last two.
    expect(messageIds(server.bodies.slice(-2))).toEqual([info.messageId, second.messageId]);
    if (server.bodies.length === 3) expect(messageIds(server.bodies.slice(0, 1))).toEqual([info.messageId]);
    // Nothing went out in plaintext before TLS, on either connection.
    for (const wire of server.received) expect(wire.split('STARTTLS')[0]).not.toMatch(/AUTH|MAIL/);
  });

  it('421 on every connection: fails after retry.attempts tries, reports the 421, and nothing was delivered', async () => {
    const fail = [...opening({}), ...transaction('pipelined', { at: 'rcpt', fail: BYE })];
    const server = await scriptedServer(fail, fail, fail, healthySession({}, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const error = await failureOf(transport.send(message(1)));
    expect(error.toJSON()).toMatchObject({ code: 'ECONNECTION', replyCode: 421, transient: true, delivery: 'none' });
    expect(retries.every((e) => e.replyCode === 421)).toBe(true);
    expect(server.received).toHaveLength(FAST_RETRY.attempts); // one fresh connection per attempt
    expect(server.bodies).toHaveLength(0);
    // The fourth connection is healthy: the transport has not given up for good.
    const info = await transport.send(message(2));
    expect(info.attempts).toBe(1);
  });

  it("emits 'retry' only when another attempt follows", async () => {
    const fail = [...opening({}), ...transaction('pipelined', { at: 'mail', fail: BYE })];
    const server = await scriptedServer(fail, fail, fail);
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    await failureOf(transport.send(message(1)));
    expect(server.received).toHaveLength(FAST_RETRY.attempts);
    expect(retries).toHaveLength(FAST_RETRY.attempts - 1);
  });

  it('a 421 on a parked pooled connection is not a failure: the next send opens a fresh connection', async () => {
    const server = await scriptedServer([...healthySession({}, 1).slice(0, -2), ...BYE], healthySession({}, 1));
    defer(() => server.close());
    // Script 0 says 421 as soon as the first message is accepted (an idle timeout, a restart) and closes.
    // Watch the transcript so the test knows when that 421 has been read (no sleeping and hoping).
    let byeRead!: () => void;
    const bye = new Promise<void>((resolve) => (byeRead = resolve));
    const onTranscript = (entry: TranscriptEntry): void => void (entry.dir === 'S' && entry.line.startsWith('421') && byeRead());
    const { transport, retries } = faultTransport(server.port, { onTranscript });
    await transport.send(message(1));
    await bye;
    const info = await transport.send(message(2));
    expect(info.attempts).toBe(1);
    expect(retries).toEqual([]);
    expect(server.received).toHaveLength(2);
  });
});
