/**
 * What a send holds while it waits for its turn: "10,000 sends fired together" keep every queued send alive
 * for the whole burst, so its size is the burst's memory (and what V8 counts as surviving its collections).
 * The server here accepts the connection and never greets, so every send but the first stays queued while
 * the heap is measured; an abort then ends them all.
 */
import { getEventListeners } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/transport.js';
import { collectGarbage } from '../helpers/memory.js';

const COUNT = 5000;
const RAW = Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: queued\r\n\r\nbody\r\n');

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function silentServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return (server.address() as net.AddressInfo).port;
}

/**
 * Heap bytes per send while `count` sends wait (the caller's own promise and catch() included), all with one
 * signal, and how many 'abort' listeners that signal had meanwhile.
 */
async function queuedSends(fire: (transport: ReturnType<typeof createTransport>, signal: AbortSignal) => Promise<unknown>, count = COUNT): Promise<{ per: number; listeners: number }> {
  const port = await silentServer();
  const transport = createTransport({ host: '127.0.0.1', port, security: 'none', pool: { maxConnections: 1 }, retry: { attempts: 1 }, timeouts: { greetingMs: 1000 } });
  const controller = new AbortController();
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1) sends.push(fire(transport, controller.signal).catch((error: { code?: string }) => error.code));
  // Let the first sends reach the pool (one of them opens the connection, which never greets).
  await new Promise((resolve) => setTimeout(resolve, 20));
  collectGarbage();
  const per = (process.memoryUsage().heapUsed - before) / count;
  const listeners = getEventListeners(controller.signal, 'abort').length;
  controller.abort();
  const codes = await Promise.all(sends);
  await transport.close();
  // The send that opened the connection ends when the greeting does not come; every other one by the abort.
  expect(codes.filter((code) => code !== 'EABORT').length).toBeLessThanOrEqual(1);
  return { per, listeners };
}

async function heapPerQueuedSend(fire: (transport: ReturnType<typeof createTransport>, signal: AbortSignal) => Promise<unknown>): Promise<number> {
  return (await queuedSends(fire)).per;
}

describe('a queued send', () => {
  it('sendRaw(): one small record while it waits, not the suspended frames of the send chain', async () => {
    const per = await heapPerQueuedSend((transport, signal) => transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, RAW, { signal }));
    console.log(`sendRaw(): ${Math.round(per)} bytes of heap per queued send`);
    expect(per).toBeLessThan(1024);
  });

  it('send(): the message is not composed while it waits', async () => {
    const message = { from: 'a@example.com', to: 'b@example.com', subject: 'queued', text: 'body' };
    const per = await heapPerQueuedSend((transport, signal) => transport.send(message, { signal }));
    console.log(`send(): ${Math.round(per)} bytes of heap per queued send`);
    expect(per).toBeLessThan(1024);
  });

  it('10,000 sendRaw() with one signal: one listener on it, and no more heap per send', async () => {
    // Every send used to add its own listener to the signal (a record of Node's each, and a
    // MaxListenersExceededWarning past 10); now all of them share one.
    const { per, listeners } = await queuedSends((transport, signal) => transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, RAW, { signal }), 10_000);
    console.log(`sendRaw(), 10,000 with one signal: ${Math.round(per)} bytes of heap per queued send`);
    expect(listeners).toBe(1);
    expect(per).toBeLessThan(1024);
  });
});
