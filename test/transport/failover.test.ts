/**
 * Issue 14: createTransport([primary, fallback]) uses the fallback when the primary cannot take the message
 * for a reason that is not the message's fault (unreachable, TLS, authentication, a 4xx), never on a 5xx
 * about the message or its recipients, and says why with a `failover` event. Both servers are smtp-server.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createTransport, type SmtpTransport, type TransportConfig, type TransportEventMap } from '../../src/index.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { rejection } from '../helpers/expect-error.js';
import { closedPort } from '../helpers/ports.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const fastRetry = { attempts: 2, minDelayMs: 1, maxDelayMs: 2 };
const message = { from: 'a@example.com', to: 'b@example.com', subject: 'failover', text: 'x' };

async function peer(options: Parameters<typeof startSmtpServerPeer>[0] = {}): Promise<SmtpServerPeer> {
  const p = await startSmtpServerPeer(options);
  cleanups.push(() => p.close());
  return p;
}

async function fallback(): Promise<{ config: TransportConfig; server: SmtpServerPeer }> {
  const server = await peer();
  return { server, config: { host: '127.0.0.1', port: server.port, security: 'none' } };
}

function transport(configs: TransportConfig[]): { t: SmtpTransport; failovers: Array<TransportEventMap['failover']> } {
  const t = createTransport(configs);
  cleanups.push(() => t.close());
  const failovers: Array<TransportEventMap['failover']> = [];
  t.on('failover', (event) => failovers.push(event));
  return { t, failovers };
}

/** smtp-server answering MAIL (or the message) with `code`: a 4xx is the server's trouble, a 5xx a refusal. */
async function refusingServer(at: 'mail' | 'data', code: number): Promise<number> {
  const refuse = (callback: (error?: Error | null) => void): void => {
    const error = new Error(code >= 500 ? 'Message refused' : 'Try again later') as Error & { responseCode?: number };
    error.responseCode = code;
    callback(error);
  };
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    onMailFrom: (_address, _session, callback) => (at === 'mail' ? refuse(callback) : callback()),
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => (at === 'data' ? refuse(callback) : callback()));
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.server.address() as net.AddressInfo).port;
}

describe('failover to the next configuration', () => {
  it('when the primary is unreachable', async () => {
    const { config, server } = await fallback();
    const { t, failovers } = transport([{ host: '127.0.0.1', port: await closedPort(), security: 'none', retry: fastRetry }, config]);
    const info = await t.send(message);
    expect(info.via.index).toBe(1);
    expect(server.messages).toHaveLength(1);
    expect(failovers).toMatchObject([{ from: 0, to: 1, code: 'ECONNECTION' }]);
  });

  it("when the primary's certificate is not trusted (ETLS)", async () => {
    const primary = await peer({ implicitTls: true });
    const { config, server } = await fallback();
    const { t, failovers } = transport([{ host: '127.0.0.1', port: primary.port, security: 'tls', retry: fastRetry }, config]);
    const info = await t.send(message);
    expect(info.via.index).toBe(1);
    expect(server.messages).toHaveLength(1);
    expect(primary.messages).toHaveLength(0);
    expect(failovers).toMatchObject([{ from: 0, to: 1, code: 'ETLS' }]);
    expect(failovers[0]?.message).toMatch(/certificate/i);
  });

  it('when the primary refuses the password (EAUTH), without trying the wrong password again', async () => {
    const primary = await peer({ users: { tester: 'right' }, noStartTls: true, server: { allowInsecureAuth: true } });
    const { config, server } = await fallback();
    const { t, failovers } = transport([
      { host: '127.0.0.1', port: primary.port, security: 'none', allowInsecureAuth: true, auth: { user: 'tester', pass: 'wrong' }, retry: fastRetry },
      config,
    ]);
    const info = await t.send(message);
    expect(info.via.index).toBe(1);
    expect(info.attempts).toBe(2);
    expect(server.messages).toHaveLength(1);
    expect(primary.auths.map((a) => a.ok)).toEqual([false]);
    expect(failovers).toMatchObject([{ from: 0, to: 1, code: 'EAUTH' }]);
    expect(failovers[0]?.message).not.toContain('wrong');
  });

  it('when the primary answers 4xx', async () => {
    const port = await refusingServer('mail', 451);
    const { config, server } = await fallback();
    const { t, failovers } = transport([{ host: '127.0.0.1', port, security: 'none', retry: fastRetry }, config]);
    const info = await t.send(message);
    expect(info.via.index).toBe(1);
    expect(server.messages).toHaveLength(1);
    expect(failovers).toMatchObject([{ from: 0, to: 1, code: 'EENVELOPE' }]);
    expect(failovers[0]?.error.replyCode).toBe(451);
  });

  it('fails with the last error when no configuration can take it (EAUTH on both)', async () => {
    const auth = { user: 'tester', pass: 'wrong' };
    const one = await peer({ users: { tester: 'right' }, noStartTls: true, server: { allowInsecureAuth: true } });
    const two = await peer({ users: { tester: 'other' }, noStartTls: true, server: { allowInsecureAuth: true } });
    const { t, failovers } = transport([
      { host: '127.0.0.1', port: one.port, security: 'none', allowInsecureAuth: true, auth, retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 2 } },
      { host: '127.0.0.1', port: two.port, security: 'none', allowInsecureAuth: true, auth },
    ]);
    const error = await rejection(t.send(message));
    expect(error.code).toBe('EAUTH');
    // One try each: a refused password is not retried on the same server.
    expect(one.auths).toHaveLength(1);
    expect(two.auths).toHaveLength(1);
    expect(failovers).toHaveLength(1);
  });
});

describe('no failover for a refusal of the message itself', () => {
  it('a 5xx to a recipient', async () => {
    const primary = await peer({ refuseRcpt: () => true });
    const { config, server } = await fallback();
    const { t, failovers } = transport([{ host: '127.0.0.1', port: primary.port, security: 'none', retry: fastRetry }, config]);
    const error = await rejection(t.send(message));
    expect(error.code).toBe('EENVELOPE');
    expect(error.replyCode).toBe(550);
    expect(server.messages).toHaveLength(0);
    expect(server.mails).toHaveLength(0);
    expect(failovers).toEqual([]);
  });

  it('a 5xx to the message content', async () => {
    const port = await refusingServer('data', 554);
    const { config, server } = await fallback();
    const { t, failovers } = transport([{ host: '127.0.0.1', port, security: 'none', retry: fastRetry }, config]);
    const error = await rejection(t.send(message));
    expect(error.code).toBe('EMESSAGE');
    expect(error.replyCode).toBe(554);
    expect(server.mails).toHaveLength(0);
    expect(failovers).toEqual([]);
  });
});

describe('a burst with failover settles every send', () => {
  for (const primaryFault of ['refused', 'wrong password'] as const) {
    it(`300 sends, primary ${primaryFault}: every one delivered by the fallback, close() resolves`, async () => {
      let primary: TransportConfig;
      if (primaryFault === 'refused') primary = { host: '127.0.0.1', port: await closedPort(), security: 'none', retry: fastRetry };
      else {
        const p = await peer({ users: { tester: 'right' }, noStartTls: true, server: { allowInsecureAuth: true } });
        primary = { host: '127.0.0.1', port: p.port, security: 'none', allowInsecureAuth: true, auth: { user: 'tester', pass: 'wrong' }, retry: fastRetry };
      }
      const { config, server } = await fallback();
      const t = createTransport([primary, config]);
      const sends = Array.from({ length: 300 }, (_, i) => t.send({ ...message, to: `r${i}@example.com` }));
      const closing = t.close();
      const results = await Promise.allSettled(sends);
      await closing;
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
      expect(server.messages).toHaveLength(300);
    }, 60_000);
  }
});
