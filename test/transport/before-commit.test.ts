/**
 * SendCallOptions.beforeCommit: awaited before the final dot / BDAT LAST, so what it records happens-before
 * the server can have the message; a rejection ends the send with delivery 'none' and nothing committed.
 * smtp-server (independent peer) covers DATA, streamed and in memory; mailwire's sink covers BDAT in one
 * flight and streamed BDAT.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type SmtpTransport, type TransportConfig } from '../../src/index.js';
import { startSink, type SunkMessage } from '../../src/sink/index.js';
import { startSmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { rejection } from '../helpers/expect-error.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

function transport(config: TransportConfig): SmtpTransport {
  const t = createTransport({ retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 2 }, ...config });
  cleanups.push(() => t.close());
  return t;
}

const message = { from: 'a@example.com', to: 'b@example.com', subject: 'hook', text: 'body' };
const BIG = 'x'.repeat(76) + '\r\n';

async function peer(): Promise<{ port: number; received: () => number }> {
  const p = await startSmtpServerPeer({ noStartTls: true });
  cleanups.push(() => p.close());
  return { port: p.port, received: () => p.messages.length };
}

async function sink(): Promise<{ port: number; received: () => number; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  const s = await startSink({ onMessage: (m) => messages.push(m) });
  cleanups.push(() => s.close());
  return { port: s.port, received: () => messages.length, messages };
}

const servers = {
  'smtp-server (DATA)': peer,
  'the sink (BDAT)': sink,
} as const;

describe.each(Object.entries(servers))('beforeCommit against %s', (_name, start) => {
  it('runs before the server has the message, and the send waits for it', async () => {
    const server = await start();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const seenInHook: number[] = [];
    const info = await t.send(message, {
      beforeCommit: async () => {
        // Slow on purpose: the final dot must wait for the record.
        await new Promise((r) => setTimeout(r, 50));
        seenInHook.push(server.received());
      },
    });
    expect(seenInHook).toEqual([0]);
    expect(server.received()).toBe(1);
    expect(info.accepted).toEqual(['b@example.com']);
  });

  it('a rejection ends the send with delivery none, nothing committed, not retried, transport still usable', async () => {
    const server = await start();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
    let calls = 0;
    const error = await rejection(
      t.send(message, {
        beforeCommit: () => {
          calls += 1;
          throw new Error('key already sent');
        },
      }),
    );
    expect(error.code).toBe('EABORT');
    expect(error.delivery).toBe('none');
    expect(error.message).toContain('key already sent');
    expect(calls).toBe(1);
    expect(server.received()).toBe(0);
    await t.send(message);
    expect(server.received()).toBe(1);
  });

  it('a streamed body: the hook runs after the content and before the terminator; a rejection drops nothing', async () => {
    const server = await start();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const raw = () => Readable.from([Buffer.from('Subject: s\r\n\r\n'), Buffer.from(BIG.repeat(20_000))]);
    const envelope = { from: 'a@example.com', to: ['b@example.com'] };
    const error = await rejection(t.sendRaw(envelope, raw(), { beforeCommit: () => Promise.reject(new Error('no')) }));
    expect(error.delivery).toBe('none');
    expect(server.received()).toBe(0);
    let seen = -1;
    await t.sendRaw(envelope, raw(), { beforeCommit: () => void (seen = server.received()) });
    expect(seen).toBe(0);
    expect(server.received()).toBe(1);
  });
});

it('the sink saw BDAT: the one-flight path is the one covered', async () => {
  const server = await sink();
  const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
  let called = false;
  await t.send(message, { beforeCommit: () => void (called = true) });
  expect(called).toBe(true);
  expect(server.messages[0]?.transport).toBe('BDAT');
});

it('a refusal mid-DATA drops the session, and the send queued behind it on that session is retried, not refused', async () => {
  const server = await peer();
  const t = transport({ host: '127.0.0.1', port: server.port, security: 'none', pool: { maxConnections: 1, pipelineDepth: 2 } });
  const refused = t.send(message, {
    beforeCommit: async () => {
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('held by another attempt');
    },
  });
  const behind = t.send({ ...message, subject: 'behind' });
  const error = await rejection(refused);
  expect(error.code).toBe('EABORT');
  const info = await behind;
  expect(info.attempts).toBe(2);
  expect(server.received()).toBe(1);
});
