/**
 * Sends that waited their turn while every connection to the server failed take that answer instead of each
 * starting a backoff window of its own (src/transport/reachability.ts). Before, with the default retry
 * policy 10,000 sends to a refused port took minutes to settle: each queued send, once admitted, made all of
 * its attempts and backed off between them while holding an admission place.
 *
 * No timing assertion: what is counted is connection attempts (the `retry` events and the connections a
 * server accepted), which do not depend on the machine's speed. The admitted sends' own backoff is at least
 * the window the queued sends must have waited, so the outcome does not depend on timing either.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, SmtpError, type TransportConfig, type TransportEventMap } from '../../src/index.js';
import { startSmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { closedPort } from '../helpers/ports.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** A server that accepts and hangs up before the greeting, counting the connections. */
async function hangingUpServer(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
}

// One connection, no pipelining: an admission limit of 2, so most of a burst waits its turn.
const small = { maxConnections: 1, pipelineDepth: 1 };
const retry = { attempts: 3, minDelayMs: 20, maxDelayMs: 40 };
const message = (i: number) => ({ from: 'a@example.com', to: `r${i}@example.com`, text: 'x' });

describe('queued sends to a server every connection to which failed', () => {
  it('settle with the connection error, without a backoff window each', async () => {
    const { port, accepted } = await hangingUpServer();
    const t = createTransport({ host: '127.0.0.1', port, security: 'none', retry, pool: small });
    cleanups.push(() => t.close());
    const count = 40;
    const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => t.send(message(i))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const error = (r as PromiseRejectedResult).reason as SmtpError;
      expect(SmtpError.is(error) && error.delivery === 'none' && error.transient).toBe(true);
      expect(['ECONNECTION', 'EPROTOCOL']).toContain(error.code);
    }
    // The two admitted first make their three attempts each; before, every send made three (120).
    expect(accepted()).toBeLessThan(count);
  });

  it('a send that did not wait still makes all of its own attempts', async () => {
    const port = await closedPort();
    const t = createTransport({ host: '127.0.0.1', port, security: 'none', retry });
    cleanups.push(() => t.close());
    const retries: number[] = [];
    t.on('retry', (e) => retries.push(e.attempt));
    await expect(t.send(message(0))).rejects.toMatchObject({ code: 'ECONNECTION', delivery: 'none' });
    // A second send after the first failed: it did not wait, so it tries the server itself.
    await expect(t.send(message(1))).rejects.toMatchObject({ code: 'ECONNECTION', delivery: 'none' });
    expect(retries).toEqual([2, 3, 2, 3]);
  });

  it('a server that comes back is used again by the next send', async () => {
    const peer = await startSmtpServerPeer();
    cleanups.push(() => peer.close());
    // Hangs up on every connection until `up`, then forwards to the peer.
    let up = false;
    const front = net.createServer((socket) => {
      if (!up) return socket.destroy();
      const back = net.connect(peer.port, '127.0.0.1');
      socket.pipe(back).pipe(socket);
      back.on('error', () => socket.destroy());
      socket.on('error', () => back.destroy());
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => front.close(() => r())));
    const port = (front.address() as net.AddressInfo).port;
    const t = createTransport({ host: '127.0.0.1', port, security: 'none', retry, pool: small });
    cleanups.push(() => t.close());
    const burst = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => t.send(message(i))));
    expect(burst.every((r) => r.status === 'rejected')).toBe(true);
    up = true;
    const info = await t.send(message(99));
    expect(info.accepted).toEqual(['r99@example.com']);
    expect(peer.messages).toHaveLength(1);
  });

  it('with a fallback, queued sends go to it and the failover event says why', async () => {
    const port = await closedPort();
    const peer = await startSmtpServerPeer();
    cleanups.push(() => peer.close());
    const t = createTransport([
      { host: '127.0.0.1', port, security: 'none', retry, pool: small },
      { host: '127.0.0.1', port: peer.port, security: 'none', pool: small },
    ]);
    cleanups.push(() => t.close());
    const failovers: Array<TransportEventMap['failover']> = [];
    t.on('failover', (e) => failovers.push(e));
    const count = 12;
    const infos = await Promise.all(Array.from({ length: count }, (_, i) => t.send(message(i))));
    expect(infos.every((info) => info.via.index === 1)).toBe(true);
    expect(peer.messages).toHaveLength(count);
    expect(failovers).toHaveLength(count);
    expect(failovers.every((e) => e.from === 0 && e.to === 1 && e.code === 'ECONNECTION')).toBe(true);
  });
});
