/**
 * Certificates that must be refused, over STARTTLS and implicit TLS, through the transport: expired,
 * self-signed (not from the trusted CA), and issued for another host. Each is ETLS with a message that
 * says what is wrong and how to fix it, is not retried (it will not get better in 5 ms), sends nothing
 * after the handshake, and leaves the transport usable. A valid certificate from the same CA is the
 * control that proves each failure is about the certificate alone.
 */
import { beforeAll, afterEach, describe, expect, it } from 'vitest';
import { startSink, type SunkMessage } from '../../src/sink/index.js';
import { makeTestPki, type KeyPair, type TestPki } from '../helpers/certificates.js';
import { greetAndEhlo, scriptedServer } from '../helpers/scripted-server.js';
import { NAME, USER, defer, failureOf, faultTransport, healthySession, message, runCleanups } from './harness.js';

afterEach(runCleanups);

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
}, 30_000);

const BAD: Array<{ name: string; pair: (p: TestPki) => KeyPair; hint: RegExp }> = [
  { name: 'expired', pair: (p) => p.expired, hint: /expired/ },
  { name: 'self-signed', pair: (p) => p.selfSigned, hint: /self-signed.*tls\.ca/ },
  { name: 'for another host', pair: (p) => p.otherHost, hint: /another host name.*servername/ },
];

async function sinkWith(pair: KeyPair, implicitTls: boolean): Promise<{ port: number; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  const sink = await startSink({ tls: pair, implicitTls, auth: { user: USER.user, pass: USER.pass }, onMessage: (m) => messages.push(m) });
  defer(() => sink.close());
  return { port: sink.port, messages };
}

describe.each([
  { mode: 'STARTTLS', security: 'starttls' as const, implicitTls: false },
  { mode: 'implicit TLS', security: 'tls' as const, implicitTls: true },
])('$mode', ({ security, implicitTls }) => {
  it('control: the valid certificate from the trusted CA works', async () => {
    const { port, messages } = await sinkWith(pki.valid, implicitTls);
    const { transport } = faultTransport(port, { security, auth: USER, tls: { ca: pki.ca, servername: 'localhost' } });
    await transport.send(message(1));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.secure).toBe(true);
  });

  it.each(BAD)('a certificate $name: ETLS with a helpful message, not retried, no mail sent', async ({ pair, hint }) => {
    const { port, messages } = await sinkWith(pair(pki), implicitTls);
    const recorded = faultTransport(port, { security, auth: USER, tls: { ca: pki.ca, servername: 'localhost' } });
    const { transport, retries } = recorded;
    const error = await failureOf(transport.send(message(1)));
    expect(error.toJSON()).toMatchObject({ code: 'ETLS', phase: implicitTls ? 'connect' : 'starttls', transient: false, delivery: 'none' });
    expect(error.message).toMatch(hint);
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain(USER.pass);
    expect(retries).toEqual([]);
    expect(recorded.opened).toBe(0); // no session ever reached the pool
    expect(messages).toEqual([]);
    // verify() reports the same problem, the same way.
    const again = await failureOf(transport.verify());
    expect(again.code).toBe('ETLS');
    expect(again.message).toMatch(hint);
  });
});

describe('after a certificate failure the transport is still usable', () => {
  it('a bad certificate on one connection does not poison the next one', async () => {
    // One server, two connections: the first presents an expired certificate, the second a valid one.
    const server = await scriptedServer(
      [...greetAndEhlo(NAME, ['PIPELINING', 'STARTTLS']), { c: 'STARTTLS' }, { s: '220 go' }, { tls: true, ...pki.expired }, { hang: true }],
      healthySession({ tls: true, auth: true }, 1).map((step) => ('tls' in step ? { tls: true as const, ...pki.valid } : step)),
    );
    defer(() => server.close());
    const { transport } = faultTransport(server.port, { security: 'starttls', auth: USER, tls: { ca: pki.ca, servername: 'localhost' } });
    const error = await failureOf(transport.send(message(1)));
    expect(error.code).toBe('ETLS');
    expect(server.received[0]).toMatch(/^EHLO client\.test\r\nSTARTTLS\r\n/);
    expect(server.received[0]).not.toMatch(/AUTH|MAIL/);
    const info = await transport.send(message(2));
    expect(info.attempts).toBe(1);
    expect(server.bodies).toHaveLength(1);
  });
});
