/**
 * Attacks on STARTTLS, through the transport, with security 'starttls' (TLS required):
 *   - stripping: the server does not offer STARTTLS, or a man in the middle removes (or renames) it from a
 *     real server's EHLO reply: ETLS, and AUTH, MAIL and the body never go out in plaintext;
 *   - response injection: plaintext smuggled after the STARTTLS 220: EPROTOCOL, no TLS, no retry that could
 *     end in plaintext;
 *   - 454 to STARTTLS: ETLS (transient), retried only over TLS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSink, type SunkMessage } from '../../src/sink/index.js';
import { startMitm } from '../helpers/mitm-proxy.js';
import { greetAndEhlo, scriptedServer, type Step } from '../helpers/scripted-server.js';
import { FAST_RETRY, NAME, TRUST_TEST_CERT, USER, defer, failureOf, faultTransport, healthySession, message, messageIds, runCleanups } from './harness.js';

afterEach(runCleanups);

const secure = { security: 'starttls' as const, auth: USER, tls: TRUST_TEST_CERT };

/** Whatever the client wrote must not contain a command or a body that only belongs after TLS. */
function expectNothingSensitive(wire: string | undefined): void {
  expect(wire ?? '').not.toMatch(/AUTH|MAIL FROM|RCPT TO|DATA|BDAT|Subject:/);
}

async function sinkWithTls(): Promise<{ port: number; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  const sink = await startSink({ tls: true, auth: { user: USER.user, pass: USER.pass }, onMessage: (m) => messages.push(m) });
  defer(() => sink.close());
  return { port: sink.port, messages };
}

describe('STARTTLS stripping', () => {
  it('a server that does not offer STARTTLS: ETLS, not retried, nothing sensitive sent', async () => {
    const script: Step[] = [...greetAndEhlo(NAME, ['PIPELINING', 'AUTH PLAIN LOGIN']), { hang: true }];
    const server = await scriptedServer(script, script, script);
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, secure);
    const error = await failureOf(transport.send(message(1)));
    expect(error.toJSON()).toMatchObject({ code: 'ETLS', phase: 'starttls', transient: false, delivery: 'none' });
    expect(error.message).toMatch(/STARTTLS/);
    expect(retries).toEqual([]);
    expect(server.received).toHaveLength(1);
    expectNothingSensitive(server.received[0]);
  });

  it.each([
    { name: 'removes the STARTTLS line', rewrite: (line: string) => (/^250[ -]STARTTLS\r\n$/i.test(line) ? '' : line) },
    { name: 'renames STARTTLS to XXXXXXXA (same length, the classic trick)', rewrite: (line: string) => line.replace(/STARTTLS/i, 'XXXXXXXA') },
  ])('a man in the middle that $name from a real server: ETLS, nothing sensitive reaches the wire', async ({ rewrite }) => {
    const { port, messages } = await sinkWithTls();
    const mitm = await startMitm(port, rewrite);
    defer(() => mitm.close());
    const { transport, retries } = faultTransport(mitm.port, secure);
    const error = await failureOf(transport.send(message(1)));
    expect(error.code).toBe('ETLS');
    expect(retries).toEqual([]);
    expect(mitm.fromClient).toHaveLength(1);
    expect(mitm.fromClient[0]).toMatch(/^EHLO /);
    expectNothingSensitive(mitm.fromClient[0]);
    expect(messages).toEqual([]);
    // Control: the same sink without the man in the middle works over TLS.
    const direct = faultTransport(port, secure).transport;
    await direct.send(message(2));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.secure).toBe(true);
  });

  it("'opportunistic' is the only mode that continues in plaintext, and it says so in the transcript", async () => {
    const { port, messages } = await sinkWithTls();
    const mitm = await startMitm(port, (line) => (/^250[ -]STARTTLS\r\n$/i.test(line) ? '' : line));
    defer(() => mitm.close());
    const notes: string[] = [];
    const { transport } = faultTransport(mitm.port, { security: 'opportunistic', auth: USER, onTranscript: (e) => e.dir === 'i' && notes.push(e.line) });
    await transport.send(message(1));
    expect(messages[0]?.secure).toBe(false);
    expect(notes.join('\n')).toMatch(/STARTTLS not offered/);
  });
});

describe('STARTTLS response injection, through the transport', () => {
  const INJECTIONS = [
    { name: 'whole replies after the 220', raw: '220 2.0.0 go ahead\r\n250-mx.test\r\n250 AUTH PLAIN\r\n' },
    { name: 'a partial line after the 220', raw: '220 2.0.0 go ahead\r\n250 inj' },
    { name: 'a reply to a command not yet sent', raw: '220 2.0.0 go ahead\r\n235 2.7.0 you are in\r\n' },
  ];

  it.each(INJECTIONS)('$name: EPROTOCOL, no TLS, not retried, nothing sensitive sent', async ({ raw }) => {
    const script: Step[] = [...greetAndEhlo(NAME, ['PIPELINING', 'STARTTLS']), { c: 'STARTTLS' }, { raw }, { hang: true }];
    const server = await scriptedServer(script, healthySession({ tls: true, auth: true }, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, secure);
    const error = await failureOf(transport.send(message(1)));
    expect(error.toJSON()).toMatchObject({ code: 'EPROTOCOL', phase: 'starttls', transient: false, delivery: 'none' });
    expect(error.message).toMatch(/injection/);
    expect(retries).toEqual([]);
    expect(server.received[0]).toBe(`EHLO ${NAME}\r\nSTARTTLS\r\n`);
    // The transport is not poisoned: the next send gets a clean session over TLS.
    const info = await transport.send(message(2));
    expect(info.attempts).toBe(1);
    expect(messageIds(server.bodies)).toEqual([info.messageId]);
  });

  it('an injection trickled byte by byte is never read as a reply: caught as injection, or the handshake fails', async () => {
    const script: Step[] = [...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { byteByByte: true }, { raw: '220 go\r\n250 AUTH PLAIN\r\n' }, { hang: true }];
    const server = await scriptedServer(script);
    defer(() => server.close());
    const { transport } = faultTransport(server.port, { ...secure, retry: { attempts: 1 } });
    const error = await failureOf(transport.send(message(1)));
    // Trickled, the 220 may be read alone and TLS started; then the injected bytes are not TLS and the
    // handshake fails (ETLS). If a byte of the injection was already there, it is caught (EPROTOCOL).
    // Either way nothing is read as a post-TLS reply and nothing sensitive is sent.
    expect(['EPROTOCOL', 'ETLS']).toContain(error.code);
    expect(error.transient).toBe(false);
    // Either way the message names the real suspect, and never sends the user to another port.
    expect(error.message).toMatch(/injection|injecting/);
    expect(error.message).not.toMatch(/465/);
    expect(server.received[0]).toMatch(/^EHLO client\.test\r\nSTARTTLS\r\n/);
    expectNothingSensitive(server.received[0]);
  });
});

describe('454 to STARTTLS', () => {
  const refuse: Step[] = [...greetAndEhlo(NAME, ['PIPELINING', 'STARTTLS']), { c: 'STARTTLS' }, { s: '454 4.7.0 TLS not available due to temporary reason' }, { hang: true }];

  it('ETLS (transient): retried on a fresh connection, and delivered over TLS when TLS works again', async () => {
    const server = await scriptedServer(refuse, healthySession({ tls: true, auth: true }, 1));
    defer(() => server.close());
    const { transport, retries } = faultTransport(server.port, secure);
    const info = await transport.send(message(1));
    expect(retries.map((e) => e.toJSON())).toMatchObject([{ code: 'ETLS', phase: 'starttls', replyCode: 454, transient: true, delivery: 'none' }]);
    expect(info.attempts).toBe(2);
    expectNothingSensitive(server.received[0]);
    expect(server.received[1]).toMatch(/^EHLO client.test\r\nSTARTTLS\r\n/);
  });

  it('454 every time: fails with ETLS after retry.attempts, never falling back to plaintext', async () => {
    const server = await scriptedServer(refuse, refuse, refuse);
    defer(() => server.close());
    const { transport } = faultTransport(server.port, secure);
    const error = await failureOf(transport.send(message(1)));
    expect(error.toJSON()).toMatchObject({ code: 'ETLS', replyCode: 454, transient: true });
    expect(server.received).toHaveLength(FAST_RETRY.attempts);
    for (const wire of server.received) expectNothingSensitive(wire);
  });
});
