/**
 * The load test's fault server, checked fault by fault through the transport: each planned drop and each
 * planned 421 happens where it says, and the client's outcome is the one its delivery accounting promises.
 * (If the server misbehaved in the wrong way, the load test would prove less than it claims.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, SmtpError, type SmtpTransport } from '../../src/index.js';
import { startFaultServer, type DropPoint, type FaultOptions, type FaultServer, type RefusalPoint } from './fault-server.js';

const QUIET: FaultOptions = { dropRate: 0, refuseRate: 0, chunkingRate: 0, transactionsPerConnection: 10, seed: 1 };
let server: FaultServer | undefined;
let transport: SmtpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  server = undefined;
  transport = undefined;
});

async function setup(options: Partial<FaultOptions>, maxConnections = 5): Promise<{ server: FaultServer; transport: SmtpTransport; retries: SmtpError[] }> {
  server = await startFaultServer({ ...QUIET, ...options });
  transport = createTransport({
    host: '127.0.0.1',
    port: server.port,
    security: 'none',
    clientName: 'fault.test',
    pool: { maxConnections },
    retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 5 },
  });
  const retries: SmtpError[] = [];
  transport.on('retry', (e) => retries.push(e.error));
  return { server, transport, retries };
}

const message = (n: number) => ({ from: 'a@example.com', to: 'b@example.com', subject: `n${n}`, text: 'x', messageId: `<fault-${n}@example.com>` });

describe.each([
  { transfer: 'DATA', chunkingRate: 0 },
  { transfer: 'BDAT', chunkingRate: 1 },
])('fault server, $transfer', ({ chunkingRate }) => {
  const BEFORE: DropPoint[] = ['greeting', 'ehlo'];
  it.each(BEFORE.flatMap((at) => [{ at, rst: false }, { at, rst: true }]))('drop at $at (rst: $rst): retried and delivered once', async ({ at, rst }) => {
    const { server, transport, retries } = await setup({ chunkingRate, forceDrop: { connection: 0, at, rst } });
    const info = await transport.send(message(1));
    expect(info.attempts).toBe(2);
    expect(retries[0]?.code).toBe('ECONNECTION');
    expect(server.stats.drops[at]).toBe(1);
    expect(server.copies.get('<fault-1@example.com>')).toBe(1);
  });

  // Mid-transaction drops: with DATA the body is not written before the 354, so a drop at MAIL/RCPT/DATA
  // is certainly before the end of the message; with one-flight BDAT everything is already on the wire.
  const MID: DropPoint[] = ['mail', 'rcpt', 'data', 'body'];
  it.each(MID)('drop at %s: retried when the message cannot have arrived, else unknown; never two copies', async (at) => {
    const { server, transport, retries } = await setup({ chunkingRate, forceDrop: { connection: 0, at, rst: at === 'rcpt' } });
    const result = await transport.send(message(1)).then((info) => info, (e: unknown) => e as SmtpError);
    expect(server.stats.drops[at]).toBe(1);
    if (chunkingRate === 0 && at !== 'body') {
      expect('attempts' in result && result.attempts).toBe(2);
      expect(retries[0]?.delivery).toBe('none');
      expect(server.copies.get('<fault-1@example.com>')).toBe(1);
    } else {
      expect(SmtpError.is(result) && result.delivery).toBe('unknown');
      expect(retries).toEqual([]);
      expect(server.copies.size).toBe(0);
    }
  });

  it('drop right after the end of the message, keeping it: unknown, not retried, one copy', async () => {
    const { server, transport, retries } = await setup({ chunkingRate, forceDrop: { connection: 0, at: 'after-dot-kept', rst: false } });
    const error = await transport.send(message(1)).then(() => undefined, (e: unknown) => e as SmtpError);
    expect(error?.delivery).toBe('unknown');
    expect(retries).toEqual([]);
    expect(server.copies.get('<fault-1@example.com>')).toBe(1);
  });

  it('drop right after the end of the message, losing it: unknown, not retried, no copy', async () => {
    const { server, transport } = await setup({ chunkingRate, forceDrop: { connection: 0, at: 'after-dot-lost', rst: true } });
    const error = await transport.send(message(1)).then(() => undefined, (e: unknown) => e as SmtpError);
    expect(error?.delivery).toBe('unknown');
    expect(server.copies.size).toBe(0);
    expect(server.stats.resets).toBe(1);
  });

  const REFUSALS: RefusalPoint[] = chunkingRate ? ['mail', 'rcpt', 'end'] : ['mail', 'rcpt', 'data', 'end'];
  it.each(REFUSALS)('421 at %s: retried on a fresh connection, delivered once', async (at) => {
    const { server, transport, retries } = await setup({ chunkingRate, forceRefusal: { transaction: 0, at } });
    const info = await transport.send(message(1));
    expect(info.attempts).toBe(2);
    expect(retries[0]?.replyCode).toBe(421);
    expect(server.stats.refusals[at]).toBe(1);
    expect(server.stats.connections).toBe(2);
    expect(server.copies.get('<fault-1@example.com>')).toBe(1);
  });

  it('pipelines: a burst of sends on one connection all arrive once', async () => {
    const { server, transport } = await setup({ chunkingRate }, 1);
    await Promise.all(Array.from({ length: 30 }, (_, i) => transport.send(message(i))));
    expect(server.stats.connections).toBe(1);
    expect(server.copies.size).toBe(30);
    expect([...server.copies.values()].every((n) => n === 1)).toBe(true);
  });
});
