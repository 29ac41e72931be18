/**
 * Aborting one send must not fail another. On a PIPELINING connection a second send's MAIL follows the
 * first one's final dot; aborting that second send while the first waits for its final reply used to drop
 * the whole session, and the first send, whose message the server was taking, failed with delivery
 * 'unknown' (a caller that retries it sends it twice).
 *
 * The server is smtp-server, holding its reply to the end of the message until the test lets it go.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createTransport } from '../../src/index.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** smtp-server that holds its reply to the first message's end until release() is called. */
async function holdingServer(): Promise<{ port: number; received: string[]; firstBody: Promise<void>; dataStarted: Promise<void>; release: () => void }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let bodyIn!: () => void;
  const firstBody = new Promise<void>((resolve) => (bodyIn = resolve));
  let started!: () => void;
  const dataStarted = new Promise<void>((resolve) => (started = resolve));
  const received: string[] = [];
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    onData: (stream, session, callback) => {
      started();
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        bodyIn();
        // The first message's 250 waits for the test.
        if (received.length === 1) void held.then(() => callback());
        else callback();
      });
    },
  });
  server.on('error', () => undefined); // the client drops the session: the server's writes may fail
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.server.address() as AddressInfo).port, received, firstBody, dataStarted, release };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outcome = (p: Promise<unknown>) => p.then(() => 'sent', (e: { code: string }) => e.code);

describe('an aborted send behind another on the same connection', () => {
  it('fails alone: the send ahead of it keeps its answer', async () => {
    const server = await holdingServer();
    const t = createTransport({ host: '127.0.0.1', port: server.port, security: 'none', pool: { maxConnections: 1 } });
    cleanups.push(() => t.close());
    const first = t.send({ from: 'a@example.com', to: 'first@example.com', text: 'one' });
    await server.firstBody;
    const controller = new AbortController();
    const second = outcome(t.send({ from: 'a@example.com', to: 'second@example.com', text: 'two' }, { signal: controller.signal }));
    // smtp-server reads the pipelined MAIL only after the dot's reply; give the client time to write it.
    await pause(100);
    controller.abort();
    await pause(50);
    server.release();
    const info = await first;
    expect(info.accepted).toEqual(['first@example.com']);
    expect(await second).toBe('EABORT');
  });

  it('a send queued behind the aborted one sees a dropped connection, is retried and delivered', async () => {
    const server = await holdingServer();
    const t = createTransport({
      host: '127.0.0.1',
      port: server.port,
      security: 'none',
      pool: { maxConnections: 1, pipelineDepth: 3 },
      retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 },
    });
    cleanups.push(() => t.close());
    const first = outcome(t.send({ from: 'a@example.com', to: 'first@example.com', text: 'one' }));
    await server.firstBody;
    const controller = new AbortController();
    const second = outcome(t.send({ from: 'a@example.com', to: 'second@example.com', text: 'two' }, { signal: controller.signal }));
    const third = outcome(t.send({ from: 'a@example.com', to: 'third@example.com', text: 'three' }));
    await pause(100);
    controller.abort();
    await pause(50);
    server.release();
    // Before, the third send failed with EABORT (the aborted send's error), though its caller aborted nothing.
    expect([await first, await second, await third]).toEqual(['sent', 'EABORT', 'sent']);
    expect(server.received).toEqual(['first@example.com', 'third@example.com']);
  });

  it('aborted while the send ahead still streams its body: settles at once and leaves that send alone', async () => {
    const server = await holdingServer();
    server.release();
    const t = createTransport({ host: '127.0.0.1', port: server.port, security: 'none', pool: { maxConnections: 1 } });
    cleanups.push(() => t.close());
    const body = new PassThrough();
    body.write('Subject: streamed\r\n\r\nfirst part\r\n');
    const first = outcome(t.sendRaw({ from: 'a@example.com', to: ['first@example.com'] }, body));
    // The first send is mid-body on the pool's only connection: the second is pipelined behind it.
    await server.dataStarted;
    const controller = new AbortController();
    const second = outcome(t.send({ from: 'a@example.com', to: 'second@example.com', text: 'two' }, { signal: controller.signal }));
    await pause(50);
    controller.abort();
    // Before, the abort either dropped the session (the first send failed) or, once that was fixed, waited
    // for the first body to end. The first body is still open here: only a prompt EABORT gets past this.
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still pending after 5 s'), 5_000)));
    expect(await Promise.race([second, hang])).toBe('EABORT');
    clearTimeout(timer);
    body.end('second part\r\n');
    expect(await first).toBe('sent');
    expect(server.received).toEqual(['first@example.com']);
  });
});
