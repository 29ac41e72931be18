/** STARTTLS, implicit TLS and AUTH over raw sockets, where we control every byte. */

import { afterEach, describe, expect, it } from 'vitest';
import { startSink, type SinkOptions, type SinkServer, type SunkMessage } from '../../src/sink/index.js';
import { RawClient, codes } from './raw-client.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

let sink: SinkServer | undefined;
let clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await sink?.close();
  sink = undefined;
});

async function setup(options: SinkOptions, implicitTls = false): Promise<{ c: RawClient; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  sink = await startSink({ onMessage: (m) => messages.push(m), ...options });
  const c = await RawClient.open(sink.port, { implicitTls });
  clients.push(c);
  expect((await c.reply()).code).toBe(220);
  return { c, messages };
}

describe('sink: STARTTLS', () => {
  it('discards commands pipelined after STARTTLS and forgets the pre-TLS session', async () => {
    const { c, messages } = await setup({ tls: true });
    const ehlo = await c.cmd('EHLO x');
    expect(ehlo.lines.at(-1)).toBe('250 STARTTLS');
    // RFC 3207: the NOOP and MAIL must never be answered or executed.
    c.write('MAIL FROM:<a@b.c>\r\nSTARTTLS\r\nNOOP\r\nMAIL FROM:<evil@x.y>\r\n');
    expect((await c.replies(2)).map((r) => r.lines[0])).toEqual(['250 2.1.0 Sender OK', '220 2.0.0 Ready to start TLS']);
    await c.upgrade();
    expect(c.pending()).toBe(0);
    // The transaction and EHLO from before the handshake are gone.
    expect((await c.cmd('MAIL FROM:<a@b.c>')).lines).toEqual(['503 5.5.1 Send EHLO or HELO first']);
    const secureEhlo = await c.cmd('EHLO x');
    expect(secureEhlo.lines.join('\n')).not.toContain('STARTTLS');
    expect((await c.cmd('STARTTLS')).lines).toEqual(['503 5.5.1 TLS already active']);
    c.write('MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n');
    expect(codes(await c.replies(3))).toEqual([250, 250, 354]);
    expect((await c.cmd('secret\r\n.')).code).toBe(250);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ secure: true, from: 'a@b.c' });
  });

  it('requireTls refuses MAIL and AUTH before STARTTLS and hides AUTH until then', async () => {
    const { c } = await setup({ tls: true, requireTls: true, auth: { user: 'u', pass: 'p' } });
    const ehlo = await c.cmd('EHLO x');
    expect(ehlo.lines.join('\n')).not.toContain('AUTH');
    expect((await c.cmd('MAIL FROM:<a@b.c>')).lines).toEqual(['530 5.7.0 Must issue a STARTTLS command first']);
    expect((await c.cmd(`AUTH PLAIN ${b64('\0u\0p')}`)).lines).toEqual(['530 5.7.0 Must issue a STARTTLS command first']);
    expect((await c.cmd('STARTTLS')).code).toBe(220);
    await c.upgrade();
    expect((await c.cmd('EHLO x')).lines).toContain('250 AUTH PLAIN LOGIN');
    expect((await c.cmd('MAIL FROM:<a@b.c>')).lines).toEqual(['530 5.7.0 Authentication required']);
    expect((await c.cmd(`AUTH PLAIN ${b64('\0u\0p')}`)).lines).toEqual(['235 2.7.0 Authentication successful']);
    expect((await c.cmd('MAIL FROM:<a@b.c>')).code).toBe(250);
  });

  it('serves implicit TLS from the first byte', async () => {
    const { c, messages } = await setup({ tls: true, implicitTls: true }, true);
    expect(sink?.url).toMatch(/^smtps:\/\/127\.0\.0\.1:\d+$/);
    const ehlo = await c.cmd('EHLO x');
    expect(ehlo.lines.join('\n')).not.toContain('STARTTLS');
    c.write('MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT 3 LAST\r\nabc');
    expect(codes(await c.replies(3))).toEqual([250, 250, 250]);
    expect(messages[0]).toMatchObject({ secure: true, transport: 'BDAT' });
    expect(messages[0]?.raw?.toString()).toBe('abc');
  });
});

describe('sink: AUTH', () => {
  const auth = { user: 'user@example.com', pass: 'pä ss:wörd' };

  it('PLAIN with an initial response, then a message that records the user', async () => {
    const { c, messages } = await setup({ auth });
    expect((await c.cmd('EHLO x')).lines).toContain('250 AUTH PLAIN LOGIN');
    expect((await c.cmd('MAIL FROM:<a@b.c>')).lines).toEqual(['530 5.7.0 Authentication required']);
    expect((await c.cmd(`AUTH PLAIN ${b64(`\0${auth.user}\0${auth.pass}`)}`)).code).toBe(235);
    expect((await c.cmd(`AUTH PLAIN ${b64(`\0${auth.user}\0${auth.pass}`)}`)).lines).toEqual(['503 5.5.1 Already authenticated']);
    c.write('MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n');
    await c.replies(3);
    expect((await c.cmd('x\r\n.')).code).toBe(250);
    expect(messages[0]?.authUser).toBe(auth.user);
  });

  it('PLAIN without initial response, and LOGIN step by step', async () => {
    const { c } = await setup({ auth });
    await c.cmd('EHLO x');
    expect((await c.cmd('AUTH PLAIN')).lines).toEqual(['334 ']);
    expect((await c.cmd(b64(`\0${auth.user}\0wrong`))).lines).toEqual(['535 5.7.8 Authentication credentials invalid']);
    expect((await c.cmd('AUTH LOGIN')).lines).toEqual([`334 ${b64('Username:')}`]);
    expect((await c.cmd(b64(auth.user))).lines).toEqual([`334 ${b64('Password:')}`]);
    expect((await c.cmd(b64(auth.pass))).code).toBe(235);
    expect(sink?.stats.rejected).toBe(1);
  });

  it('cancels with "*", rejects bad base64, unknown mechanisms, and AUTH before EHLO or in a transaction', async () => {
    const { c } = await setup({ auth });
    expect((await c.cmd('AUTH PLAIN')).lines).toEqual(['503 5.5.1 Send EHLO or HELO first']);
    await c.cmd('EHLO x');
    await c.cmd('AUTH LOGIN');
    expect((await c.cmd('*')).lines).toEqual(['501 5.7.0 Authentication aborted']);
    expect((await c.cmd('AUTH PLAIN ***')).lines).toEqual(['501 5.5.2 Cannot decode base64 response']);
    expect((await c.cmd('AUTH XOAUTH2 abc')).lines).toEqual(['504 5.5.4 Unrecognized authentication type']);
    // A line in the middle of an exchange is a response, not a command.
    await c.cmd('AUTH PLAIN');
    expect((await c.cmd('MAIL FROM:<a@b.c>')).lines).toEqual(['501 5.5.2 Cannot decode base64 response']);
    expect((await c.cmd('NOOP')).code).toBe(250);
  });

  it('never echoes the password', async () => {
    const { c } = await setup({ auth });
    await c.cmd('EHLO x');
    const replies = [await c.cmd(`AUTH PLAIN ${b64(`\0${auth.user}\0nope-secret`)}`), await c.cmd('AUTH LOGIN'), await c.cmd(b64(auth.user)), await c.cmd(b64('nope-secret'))];
    const text = replies.flatMap((r) => r.lines).join('\n');
    expect(text).not.toContain('nope-secret');
    expect(text).not.toContain(b64('nope-secret'));
  });
});
