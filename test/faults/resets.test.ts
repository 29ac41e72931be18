/**
 * The connection dies (TCP reset, or a plain hang-up) before and after the final dot, in each way the
 * client writes a transaction. Before the end of the message the server cannot have it: the send is
 * retried on a fresh connection and delivered once. After it, the server may have it: delivery 'unknown',
 * no retry, and the server holds exactly one copy. Either way the transport keeps working.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedServer, type Step } from '../helpers/scripted-server.js';
import { CAPS, defer, failureOf, faultTransport, healthySession, message, messageIds, opening, runCleanups, sendIn, type Mode } from './harness.js';

afterEach(runCleanups);

const KILLS: Array<{ how: string; step: Step }> = [
  { how: 'reset (RST)', step: { reset: true } },
  { how: 'hang-up (FIN)', step: { close: true } },
];

/** The server side up to the moment the client has written everything, i.e. just after the final dot. */
function throughEnd(mode: Mode): Step[] {
  const mail: Step = { c: /^MAIL FROM:<a@example\.com>/ };
  const rcpt: Step = { c: 'RCPT TO:<b@example.com>' };
  switch (mode) {
    case 'pipelined':
      return [mail, rcpt, { c: 'DATA' }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }];
    case 'chunking':
      return [mail, rcpt, { s: '250 ok' }, { s: '250 ok' }, { bdatChunk: true }];
    case 'oneflight':
      return [mail, rcpt, { bdatChunk: true }];
    case 'lockstep':
      return [mail, { s: '250 ok' }, rcpt, { s: '250 ok' }, { c: 'DATA' }, { s: '354 go' }, { data: true }];
  }
}

/** The server side up to a point where the client has certainly not written the end of the message. */
function beforeEnd(mode: Mode): Step[] {
  const mail: Step = { c: /^MAIL FROM:<a@example\.com>/ };
  const rcpt: Step = { c: 'RCPT TO:<b@example.com>' };
  switch (mode) {
    case 'pipelined':
      return [mail, rcpt, { c: 'DATA' }, { s: '250 ok' }, { s: '250 ok' }]; // no 354: the body is never sent
    case 'chunking':
      return [mail, rcpt, { s: '250 ok' }]; // the RCPT reply is still owed: no BDAT yet
    case 'oneflight':
      return [mail, rcpt]; // everything is written at once; only a reset before it is written is "before"
    case 'lockstep':
      return [mail, { s: '250 ok' }, rcpt];
  }
}

const MODES: Mode[] = ['pipelined', 'chunking', 'oneflight', 'lockstep'];

describe.each(KILLS)('connection $how', ({ step }) => {
  it.each(MODES.filter((m) => m !== 'oneflight'))('before the end of the message (%s): retried on a fresh connection, delivered once', async (mode) => {
    const server = await scriptedServer([...opening({ caps: CAPS[mode] }), ...beforeEnd(mode), step], healthySession({}, 2, mode));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const info = await sendIn(mode, transport, 1);
    expect(retries.map((e) => e.toJSON())).toMatchObject([{ code: 'ECONNECTION', transient: true, delivery: 'none' }]);
    expect(retries[0]?.phase).not.toBe('connect'); // the phase says where in the session it happened
    expect(info.attempts).toBe(2);
    expect(messageIds(server.bodies)).toEqual([info.messageId]);
    const next = await sendIn(mode, transport, 2);
    expect(next.attempts).toBe(1);
    expect(messageIds(server.bodies)).toEqual([info.messageId, next.messageId]);
  });

  it.each(MODES)("right after the end of the message (%s): delivery 'unknown', not retried, exactly one copy", async (mode) => {
    const server = await scriptedServer([...opening({ caps: CAPS[mode] }), ...throughEnd(mode), step], healthySession({}, 1, mode));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const sent = sendIn(mode, transport, 1);
    const error = await failureOf(sent);
    expect(error.toJSON()).toMatchObject({ code: 'ECONNECTION', delivery: 'unknown' });
    expect(['data', 'mail']).toContain(error.phase); // one-flight BDAT: the envelope replies were still owed
    expect(retries).toEqual([]);
    expect(server.received).toHaveLength(1);
    expect(server.bodies).toHaveLength(1);
    const next = await sendIn(mode, transport, 2);
    expect(next.attempts).toBe(1);
    expect(server.bodies).toHaveLength(2);
    expect(messageIds(server.bodies)[1]).toBe(next.messageId);
  });
});

describe('a reset in the middle of a large body', () => {
  it('fails the write (delivery none), retries on a fresh connection and delivers the whole message once', async () => {
    // The server waits until the body has started (its first header line), so the client is past the envelope;
    // 6 MB of attachment cannot sit in loopback socket buffers while the server reads nothing more, so the
    // reset surely lands while the client is still writing the body.
    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    const script: Step[] = [...opening({ caps: ['PIPELINING'] }), { c: /^MAIL FROM/ }, { c: 'RCPT TO:<b@example.com>' }, { c: 'DATA' }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { c: /^From: / }, { reset: true }];
    const server = await scriptedServer(script, healthySession({}, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const info = await transport.send({ ...message(1), attachments: [{ filename: 'big.bin', content: big }] });
    expect(retries.map((e) => e.toJSON())).toMatchObject([{ code: 'ECONNECTION', phase: 'data', delivery: 'none' }]);
    expect(info.attempts).toBe(2);
    expect(server.bodies).toHaveLength(1);
    expect(server.bodies[0]!.length).toBeGreaterThan(8 * 1024 * 1024); // base64 of 6 MB, complete
    expect(messageIds(server.bodies)).toEqual([info.messageId]);
  });
});
