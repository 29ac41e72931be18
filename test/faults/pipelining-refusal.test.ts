/**
 * A server that refuses commands pipelined behind the end of a message (issue 14): every message still
 * arrives exactly once, the refused ones are sent again without writing across messages (not as a retry:
 * attempts stays 1), and the refusal is remembered for the server.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, SmtpConnection, type SmtpTransport } from '../../src/index.js';
import { PipeliningMemory, PIPELINING_REFUSAL_MEMORY_MS } from '../../src/transport/pipelining-memory.js';
import { earlyTalkerServer, messageIds, type EarlyTalkerServer } from '../helpers/early-talker-server.js';
import { sessionHooks } from '../../src/connection/smtp-connection.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function server(chunking: boolean): Promise<EarlyTalkerServer> {
  const s = await earlyTalkerServer({ chunking, answerDelayMs: 1 });
  cleanups.push(() => s.close());
  return s;
}

function transport(port: number): SmtpTransport {
  const t = createTransport({ host: '127.0.0.1', port, security: 'none', pool: { maxConnections: 5 } });
  cleanups.push(() => t.close());
  return t;
}

function counts(ids: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

describe.each([
  ['DATA', false],
  ['BDAT', true],
])('a server that refuses commands pipelined after the end of a message (%s)', (_name, chunking) => {
  it('500 pooled sends through createTransport are all delivered exactly once', async () => {
    const s = await server(chunking);
    const t = transport(s.port);
    const results = await Promise.allSettled(
      Array.from({ length: 500 }, (_, i) => t.send({ from: 'a@example.test', to: 'b@example.test', subject: `m${i}`, text: `message ${i}` })),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const sent = results.map((r) => (r as PromiseFulfilledResult<{ messageId: string; attempts: number }>).value);
    // Sent again inside the session, not retried against the caller.
    expect(sent.every((info) => info.attempts === 1)).toBe(true);
    await t.close();
    const received = counts(messageIds(s.messages));
    expect(received.size).toBe(500);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(sent.map((info) => info.messageId))).toEqual(new Set(received.keys()));
    // The server really refused pipelined commands (the case was exercised), and only briefly: each
    // connection stops writing across messages after the first refusal, and the transport remembers it.
    expect(s.refusedCommands).toBeGreaterThan(0);
    expect(s.refusedCommands).toBeLessThan(5 * 5 * 3);
  });
});

describe('one connection, messages in flight together', () => {
  it.each([
    ['DATA', false],
    ['BDAT', true],
  ])('streamed bodies (%s) behind an unanswered end are sent again, not reported as refused', async (_name, chunking) => {
    const s = await server(chunking);
    const conn = new SmtpConnection({ host: '127.0.0.1', port: s.port, security: 'none' });
    cleanups.push(async () => conn.close());
    await conn.open();
    const bodies = Array.from({ length: 6 }, (_, i) => `Message-ID: <s${i}@example.test>\r\n\r\nbody ${i}\r\n`);
    const sends = bodies.map((b, i) =>
      conn.send({ from: 'a@example.test', to: ['b@example.test'] }, i % 2 ? Readable.from([Buffer.from(b)]) : b),
    );
    const settled = await Promise.allSettled(sends);
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    expect([...counts(messageIds(s.messages)).entries()].sort()).toEqual(bodies.map((_, i) => [`<s${i}@example.test>`, 1]).sort());
    expect(s.refusedCommands).toBeGreaterThan(0);
    expect(sessionHooks(conn).usable).toBe(true);
    await conn.quit();
  });
});

describe('PipeliningMemory', () => {
  it('forgets a refusal after its time', () => {
    let now = 1_000;
    const memory = new PipeliningMemory(() => now);
    const view = memory.forServer('k');
    expect(view.allowed()).toBe(true);
    view.refused();
    expect(view.allowed()).toBe(false);
    expect(memory.allowed('other')).toBe(true);
    now += PIPELINING_REFUSAL_MEMORY_MS;
    expect(view.allowed()).toBe(true);
  });
});

describe('a server that refuses with 554 and hangs up (Postfix 3.9, Exim lock-step checks)', () => {
  it('DATA: 200 pooled sends all arrive exactly once; the refused ones go again on a fresh connection', async () => {
    const s = await earlyTalkerServer({ chunking: false, answerDelayMs: 1, hangUp: true });
    cleanups.push(() => s.close());
    const t = createTransport({ host: '127.0.0.1', port: s.port, security: 'none', pool: { maxConnections: 5 }, retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 5 } });
    cleanups.push(() => t.close());
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => t.send({ from: 'a@example.test', to: 'b@example.test', subject: `m${i}`, text: `message ${i}` })),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    await t.close();
    const received = counts(messageIds(s.messages));
    expect(received.size).toBe(200);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(s.refusedCommands).toBeGreaterThan(0);
    // Remembered for the server: the new connections do not write across messages, so few refusals.
    expect(s.refusedCommands).toBeLessThanOrEqual(5);
  });

  it('BDAT in one flight: 200 pooled sends all arrive exactly once, the server is remembered', async () => {
    const s = await earlyTalkerServer({ chunking: true, answerDelayMs: 1, hangUp: true });
    cleanups.push(() => s.close());
    const t = createTransport({ host: '127.0.0.1', port: s.port, security: 'none', pool: { maxConnections: 5 }, retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 5 } });
    cleanups.push(() => t.close());
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => t.send({ from: 'a@example.test', to: 'b@example.test', subject: `m${i}`, text: `message ${i}` })),
    );
    await t.close();
    const received = counts(messageIds(s.messages));
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    // Messages written behind the refused one had their bodies on the wire when the server hung up; the
    // server's last words were the refusal, so (as after a 421) it took none of them: delivery none, sent
    // again on a fresh connection. After the first refusal no connection writes across messages again.
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(received.size).toBe(200);
    expect(s.refusedCommands).toBeLessThanOrEqual(5);
  });
});
