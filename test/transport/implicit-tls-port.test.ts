/** Port 465 means implicit TLS: the default follows it, and the wrong mode fails at once with the fix. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type Connector } from '../../src/index.js';
import { defaultConnector } from '../../src/tls/connector.js';
import { startSink } from '../../src/sink/index.js';
import { rejection } from '../helpers/expect-error.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A server that accepts and says nothing, as an implicit-TLS server waiting for a ClientHello does. */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  let count = 0;
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    count += 1;
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as net.AddressInfo).port, connections: () => count };
}

/** Port 465 cannot be bound by a test: the connector sends "port 465" to a loopback port instead. */
function redirect(port: number): Connector {
  return (request) => defaultConnector({ ...request, port });
}

describe('port 465', () => {
  it('without security means implicit TLS (with or without a preset)', () => {
    expect(createTransport({ host: 'smtp.example.com', port: 465 }).configs[0]?.security).toBe('tls');
    expect(createTransport({ provider: 'outlook', port: 465 }).configs[0]?.security).toBe('tls');
    expect(createTransport({ host: 'smtp.example.com', port: 465, security: 'starttls' }).configs[0]?.security).toBe('starttls');
    expect(createTransport({ host: 'smtp.example.com' }).configs[0]?.security).toBe('starttls');
  });

  it('STARTTLS to 465: the greeting timeout is not retried and says to use security tls', async () => {
    const server = await silentServer();
    const t = createTransport({ host: '127.0.0.1', port: 465, security: 'starttls', timeouts: { greetingMs: 150 }, retry: { minDelayMs: 1, maxDelayMs: 2 }, connector: redirect(server.port) });
    cleanups.push(() => t.close());
    const error = await rejection(t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }));
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.phase).toBe('greeting');
    expect(error.transient).toBe(false);
    expect(error.hint).toMatch(/port 465 expects TLS from the first byte: use security: 'tls'/);
    expect(server.connections()).toBe(1);
  });

  it('implicit TLS to a plaintext port: the handshake failure says to use starttls', async () => {
    const sink = await startSink({ discard: true });
    cleanups.push(() => sink.close());
    const t = createTransport({ host: '127.0.0.1', port: sink.port, security: 'tls', retry: { attempts: 1 } });
    cleanups.push(() => t.close());
    const error = await rejection(t.verify());
    expect(error.code).toBe('ETLS');
    expect(error.hint).toContain(`port ${sink.port} speaks plaintext first and upgrades with STARTTLS: use security: 'starttls'`);
  });
});
