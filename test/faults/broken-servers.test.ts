/**
 * Servers that break the conversation, through the transport: silence where a greeting should be, a reply
 * cut off half-way (then silence, or then a hang-up), replies trickling in one byte at a time, and replies
 * nobody asked for. Each ends in the right SmtpError code within the configured timeouts, is retried only
 * when that cannot duplicate a message, leaves the transport usable, and never reports a send that the
 * server did not accept.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TranscriptEntry } from '../../src/connection/transcript.js';
import { ReplyParser } from '../../src/protocol/reply-parser.js';
import { scriptedServer, type Step } from '../helpers/scripted-server.js';
import {
  FAST_RETRY, NAME, TRUST_TEST_CERT, USER, defer, failureOf, faultTransport, healthySession, message, messageIds, opening, runCleanups,
} from './harness.js';

afterEach(runCleanups);

/** Short enough to keep the suite quick, long enough that a healthy loopback reply never trips them. */
const QUICK = { connectMs: 2_000, greetingMs: 800, commandMs: 800, dataMs: 800 };
const envelope: Step[] = [{ c: /^MAIL FROM:<a@example\.com>/ }, { c: 'RCPT TO:<b@example.com>' }, { c: 'DATA' }];
const toDot: Step[] = [...opening(), ...envelope, { s: '250 2.1.0 ok' }, { s: '250 2.1.5 ok' }, { s: '354 go' }, { data: true }];

describe('a greeting that never comes', () => {
  it('times out (ETIMEDOUT, greeting), retries on a fresh connection, and delivers when one answers', async () => {
    const server = await scriptedServer([{ hang: true }], healthySession({}, 2));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, { timeouts: QUICK });
    const info = await transport.send(message(1));
    expect(retries.map((e) => [e.code, e.phase, e.transient])).toEqual([['ETIMEDOUT', 'greeting', true]]);
    expect(info.attempts).toBe(2);
    expect((await transport.send(message(2))).attempts).toBe(1);
    expect(messageIds(server.bodies)).toHaveLength(2);
  });

  it('gives up after retry.attempts silent servers, then works again when the server recovers', async () => {
    const server = await scriptedServer([{ hang: true }], [{ hang: true }], [{ hang: true }], healthySession({}, 1));
    defer(() => server.close());
    const { transport } = faultTransport(server.port, { timeouts: QUICK });
    const error = await failureOf(transport.send(message(1)));
    expect(error.toJSON()).toMatchObject({ code: 'ETIMEDOUT', phase: 'greeting', transient: true, delivery: 'none' });
    expect(server.received).toHaveLength(FAST_RETRY.attempts);
    expect((await transport.send(message(2))).attempts).toBe(1);
  });
});

describe('a reply that stops half-way', () => {
  // Where the reply is cut, what the attempt fails with after silence and after a hang-up, and whether the
  // server may already hold the message ('unknown': never retried).
  const CUTS: Array<{ name: string; script: Step[]; phase: string; delivery: 'none' | 'unknown' }> = [
    { name: 'greeting', script: [{ raw: '220 mx.test ESM' }], phase: 'greeting', delivery: 'none' },
    { name: 'EHLO reply', script: [{ s: '220 mx.test' }, { c: `EHLO ${NAME}` }, { raw: '250-mx.test\r\n250-PIPELI' }], phase: 'ehlo', delivery: 'none' },
    { name: 'envelope replies', script: [...opening(), ...envelope, { s: '250 2.1.0 ok' }, { raw: '250 2.1' }], phase: 'rcpt', delivery: 'none' }, // MAIL's reply whole, RCPT's cut
    { name: 'reply to the final dot', script: [...toDot, { raw: '250 2.0.0 queued as X' }], phase: 'data', delivery: 'unknown' },
  ];

  it.each(CUTS)('$name, then silence: ETIMEDOUT', async ({ script, phase, delivery }) => {
    const server = await scriptedServer([...script, { hang: true }], healthySession({}, 2));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, { timeouts: QUICK });
    if (delivery === 'none') {
      const info = await transport.send(message(1));
      expect(retries.map((e) => e.toJSON())).toMatchObject([{ code: 'ETIMEDOUT', phase, transient: true, delivery: 'none' }]);
      expect(info.attempts).toBe(2);
      expect(messageIds(server.bodies)).toEqual([info.messageId]);
    } else {
      const error = await failureOf(transport.send(message(1)));
      expect(error.toJSON()).toMatchObject({ code: 'ETIMEDOUT', phase, delivery: 'unknown' });
      expect(retries).toEqual([]); // the server may have the message: a retry could duplicate it
      expect(server.received).toHaveLength(1);
      expect(server.bodies).toHaveLength(1);
    }
    const next = await transport.send(message(2));
    expect(next.attempts).toBe(1);
    expect(messageIds(server.bodies).at(-1)).toBe(next.messageId);
  });

  it.each(CUTS)('$name, then the server hangs up: ECONNECTION', async ({ script, phase, delivery }) => {
    const server = await scriptedServer([...script, { close: true }], healthySession({}, 2));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, { timeouts: QUICK });
    if (delivery === 'none') {
      const info = await transport.send(message(1));
      expect(retries.map((e) => e.toJSON())).toMatchObject([{ code: 'ECONNECTION', phase, transient: true, delivery: 'none' }]);
      expect(info.attempts).toBe(2);
    } else {
      const error = await failureOf(transport.send(message(1)));
      expect(error.toJSON()).toMatchObject({ code: 'ECONNECTION', phase, delivery: 'unknown' });
      expect(retries).toEqual([]);
      expect(server.bodies).toHaveLength(1);
    }
    expect((await transport.send(message(2))).attempts).toBe(1);
  });
});

describe('replies one byte at a time', () => {
  it('a plaintext session with two messages works when every reply byte arrives in its own read', async () => {
    const script = healthySession({}, 2);
    const server = await scriptedServer([{ byteByByte: true }, ...script]);
    defer(() => server.close());
    // Count the reads the client's parser is handed, to prove the bytes really came one by one.
    const parsed = vi.spyOn(ReplyParser.prototype, 'push');
    defer(async () => parsed.mockRestore());
    const { transport, retries } = faultTransport(server.port);
    const one = await transport.send(message(1));
    const two = await transport.send(message(2));
    await transport.close();
    await server.done;
    expect(server.errors).toEqual([]);
    expect(retries).toEqual([]);
    expect([one.response, two.response]).toEqual(['250 2.0.0 queued as H1', '250 2.0.0 queued as H2']);
    expect(messageIds(server.bodies)).toEqual([one.messageId, two.messageId]);
    const replyBytes = script.reduce((n, step) => n + ('s' in step ? step.s.length + 2 : 0), 0);
    expect(parsed.mock.calls.length).toBeGreaterThan(replyBytes * 0.8);
  });

  it('a STARTTLS + AUTH session works when every reply byte (and TLS record) arrives alone', async () => {
    const server = await scriptedServer([{ byteByByte: true }, ...healthySession({ tls: true, auth: true }, 2)]);
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, { security: 'starttls', auth: USER, tls: TRUST_TEST_CERT });
    const one = await transport.send(message(1));
    const two = await transport.send(message(2));
    await transport.close();
    await server.done;
    expect(server.errors).toEqual([]);
    expect(retries).toEqual([]);
    expect(messageIds(server.bodies)).toEqual([one.messageId, two.messageId]);
  });
});

describe('replies nobody asked for', () => {
  it('an extra reply right after the greeting: EPROTOCOL, not retried, nothing sent; the next send works', async () => {
    const server = await scriptedServer([{ raw: '220 mx.test ready\r\n250 2.0.0 surprise\r\n' }, { hang: true }], healthySession({}, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const error = await failureOf(transport.send(message(1)));
    expect(error.code).toBe('EPROTOCOL');
    expect(error.delivery).toBe('none');
    // A server that breaks the pairing of commands and replies is broken, not busy: no retry.
    expect(retries).toEqual([]);
    expect(server.received[0]).not.toContain('MAIL');
    expect((await transport.send(message(2))).attempts).toBe(1);
  });

  it('an extra reply after an accepted message: that send succeeded, the connection is dropped, the next send uses a fresh one', async () => {
    const server = await scriptedServer([...toDot, { raw: '250 2.0.0 queued as A\r\n250 2.0.0 and another thing\r\n' }, { hang: true }], healthySession({}, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port);
    const one = await transport.send(message(1));
    expect(one.response).toBe('250 2.0.0 queued as A');
    const two = await transport.send(message(2));
    expect(two.attempts).toBe(1);
    expect(retries).toEqual([]);
    expect(server.received).toHaveLength(2);
    expect(messageIds(server.bodies)).toEqual([one.messageId, two.messageId]);
  });

  it('a reply while the pooled connection is idle: the connection is dropped quietly and the next send works', async () => {
    const server = await scriptedServer([...toDot, { s: '250 2.0.0 queued' }, { waitMs: 30 }, { s: '250 2.0.0 hello?' }, { hang: true }], healthySession({}, 1));
    defer(() => server.close());
    // Watch the transcript so the test knows when the stray reply has been read (no sleeping and hoping).
    let strayRead!: () => void;
    const stray = new Promise<void>((resolve) => (strayRead = resolve));
    const onTranscript = (entry: TranscriptEntry): void => void (entry.dir === 'S' && entry.line.includes('hello?') && strayRead());
    const { transport, retries } = faultTransport(server.port, { onTranscript });
    await transport.send(message(1));
    await stray;
    const two = await transport.send(message(2));
    expect(two.attempts).toBe(1);
    expect(retries).toEqual([]);
    expect(server.received).toHaveLength(2);
  });
});
