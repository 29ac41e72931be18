/**
 * Helpers of the burst tests (burst-dead-server*.test.ts). Issue 14: a burst of sends to a server that
 * cannot take them must settle every send with a typed error, and close() must resolve. Before the fix, a failed open gave its place back without waking the sends
 * queued in the pool: with a pool of 5, 8 sends to a stopped server left 3 pending forever.
 *
 * No timing assertion: a hang is caught by a watchdog that reports how many sends never settled.
 */
import net from 'node:net';
import { expect } from 'vitest';
import { SmtpError, type SmtpTransport, type TransportConfig } from '../../src/index.js';
import { startSmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { closedPort } from '../helpers/ports.js';

/** Servers to close after each test: each test file runs `runCleanups` in its afterEach. */
export const cleanups: Array<() => Promise<unknown>> = [];

export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
}

/** A server that accepts and closes at once, before any greeting. */
export async function closingServer(): Promise<number> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

export type Fault = 'refused' | 'closed after accept' | 'wrong password' | 'untrusted certificate';

export async function faultyConfig(fault: Fault): Promise<TransportConfig> {
  const base = { host: '127.0.0.1', retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 } };
  switch (fault) {
    case 'refused':
      return { ...base, port: await closedPort(), security: 'none' };
    case 'closed after accept':
      return { ...base, port: await closingServer(), security: 'none' };
    case 'wrong password': {
      const peer = await startSmtpServerPeer({ users: { tester: 'right' }, noStartTls: true, server: { allowInsecureAuth: true } });
      cleanups.push(() => peer.close());
      return { ...base, port: peer.port, security: 'none', allowInsecureAuth: true, auth: { user: 'tester', pass: 'wrong' } };
    }
    case 'untrusted certificate': {
      // The peer's certificate is not signed by anything the client trusts (no tls.ca given).
      const peer = await startSmtpServerPeer({ implicitTls: true });
      cleanups.push(() => peer.close());
      return { ...base, port: peer.port, security: 'tls' };
    }
  }
}

export const EXPECTED: Record<Fault, string[]> = {
  refused: ['ECONNECTION'],
  'closed after accept': ['ECONNECTION', 'EPROTOCOL'],
  'wrong password': ['EAUTH'],
  'untrusted certificate': ['ETLS'],
};

/**
 * Fires `count` sends and close() at once; resolves with the settled outcomes, or fails naming how many
 * sends (and whether close()) never settled within the watchdog.
 */
export async function burst(t: SmtpTransport, count: number, watchdogMs: number): Promise<PromiseSettledResult<unknown>[]> {
  let settled = 0;
  const sends = Array.from({ length: count }, (_, i) => t.send({ from: 'a@example.com', to: `r${i}@example.com`, text: 'x' }).finally(() => (settled += 1)));
  let closed = false;
  const closing = t.close().then(() => (closed = true));
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`after ${watchdogMs} ms: ${count - settled} of ${count} sends unsettled, close() ${closed ? 'resolved' : 'pending'}`)), watchdogMs);
  });
  try {
    const [results] = await Promise.race([Promise.all([Promise.allSettled(sends), closing]), watchdog]);
    return results;
  } finally {
    clearTimeout(timer);
  }
}

export function expectAllRejected(results: PromiseSettledResult<unknown>[], codes: string[]): void {
  const wrong = results.filter((r) => r.status !== 'rejected' || !SmtpError.is(r.reason) || !codes.includes(r.reason.code));
  expect(wrong.map((r) => (r.status === 'rejected' ? String(r.reason) : 'resolved')).slice(0, 3)).toEqual([]);
}
