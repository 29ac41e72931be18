/** The sink driven byte by byte over a raw loopback socket: framing, pipelining, sequence and limits. */

import { afterEach, describe, expect, it } from 'vitest';
import { startSink, type SinkOptions, type SinkServer, type SunkMessage } from '../../src/sink/index.js';
import { RawClient, codes } from './raw-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let sink: SinkServer | undefined;
let clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await sink?.close();
  sink = undefined;
});

/** Start a sink collecting messages, and open a client that has read the greeting. */
async function setup(options: SinkOptions = {}): Promise<{ c: RawClient; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  sink = await startSink({ onMessage: (m) => messages.push(m), ...options });
  const c = await open();
  return { c, messages };
}

async function open(): Promise<RawClient> {
  const c = await RawClient.open((sink as SinkServer).port);
  clients.push(c);
  expect((await c.reply()).code).toBe(220);
  return c;
}

describe('sink: session basics', () => {
  it('greets, lists the extensions, and serves a plain DATA transaction', async () => {
    const { c, messages } = await setup({ hostname: 'sink.test', banner: 'hello there' });
    const ehlo = await c.cmd('EHLO client.example');
    expect(ehlo.code).toBe(250);
    expect(ehlo.lines).toEqual([
      '250-sink.test greets client.example',
      '250-PIPELINING',
      '250-8BITMIME',
      '250-SMTPUTF8',
      `250-SIZE ${25 * 1024 * 1024}`,
      '250-ENHANCEDSTATUSCODES',
      '250-CHUNKING',
      '250 DSN',
    ]);
    expect((await c.cmd('MAIL FROM:<a@example.com> BODY=8BITMIME')).lines).toEqual(['250 2.1.0 Sender OK']);
    expect((await c.cmd('RCPT TO:<b@example.com>')).lines).toEqual(['250 2.1.5 Recipient OK']);
    expect((await c.cmd('DATA')).code).toBe(354);
    const done = await c.cmd('Subject: x\r\n\r\nhi\r\n.');
    expect(done.lines[0]).toMatch(/^250 2\.0\.0 OK: queued as \w+$/);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      from: 'a@example.com',
      to: ['b@example.com'],
      mailParams: ['BODY=8BITMIME'],
      helo: 'client.example',
      secure: false,
      transport: 'DATA',
      size: 18,
    });
    expect(messages[0]?.raw?.toString()).toBe('Subject: x\r\n\r\nhi\r\n');
    expect(done.lines[0]).toContain(messages[0]?.id);
    expect(await c.cmd('QUIT')).toEqual({ code: 221, lines: ['221 2.0.0 Bye'] });
    await c.waitClosed();
    expect(sink?.stats).toMatchObject({ connections: 1, messages: 1, bytes: 18, rejected: 0 });
  });

  it('honours chunking: false and pipelining: false in EHLO', async () => {
    const { c } = await setup({ chunking: false, pipelining: false });
    const lines = (await c.cmd('EHLO x')).lines.join('\n');
    expect(lines).not.toContain('CHUNKING');
    expect(lines).not.toContain('PIPELINING');
    expect((await c.cmd('BDAT 0 LAST')).lines).toEqual(['502 5.5.1 Command not implemented']);
  });

  it('answers out-of-sequence, unknown and malformed commands, and stays usable', async () => {
    const { c } = await setup();
    expect((await c.cmd('MAIL FROM:<a@b.c>')).lines).toEqual(['503 5.5.1 Send EHLO or HELO first']);
    expect((await c.cmd('HELO')).code).toBe(501);
    expect((await c.cmd('HELO x')).lines).toEqual(['250 localhost']);
    expect((await c.cmd('RCPT TO:<a@b.c>')).lines).toEqual(['503 5.5.1 Send MAIL first']);
    expect((await c.cmd('DATA')).lines).toEqual(['503 5.5.1 Send MAIL first']);
    expect((await c.cmd('FROB')).lines).toEqual(['500 5.5.2 Command unrecognized']);
    expect((await c.cmd('MAIL FROM:a@b.c')).code).toBe(501);
    expect((await c.cmd('MAIL FROM:<a@b.c> XFOO=1')).code).toBe(555);
    expect((await c.cmd('VRFY someone')).code).toBe(252);
    expect((await c.cmd('STARTTLS')).lines).toEqual(['502 5.5.1 Command not implemented']);
    expect((await c.cmd('AUTH PLAIN')).lines).toEqual(['502 5.5.1 Command not implemented']);
    expect((await c.cmd('MAIL FROM:<a@b.c>')).code).toBe(250);
    expect((await c.cmd('MAIL FROM:<a@b.c>')).lines).toEqual(['503 5.5.1 Nested MAIL command']);
    expect((await c.cmd('DATA')).lines).toEqual(['554 5.5.1 No valid recipients']);
    expect((await c.cmd('RSET')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<a@b.c>')).code).toBe(503);
    expect((await c.cmd('NOOP')).lines).toEqual(['250 2.0.0 OK']);
    // Every negative answer to MAIL/RCPT/DATA above, and nothing else.
    expect(sink?.stats.rejected).toBe(8);
  });

  it('requires SMTPUTF8 for non-ASCII addresses', async () => {
    const { c, messages } = await setup();
    await c.cmd('EHLO x');
    expect((await c.cmd('MAIL FROM:<bé@exämple.fr>')).lines).toEqual(['553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter']);
    expect((await c.cmd('MAIL FROM:<a@b.c>')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<bé@exämple.fr>')).code).toBe(553);
    await c.cmd('RSET');
    expect((await c.cmd('MAIL FROM:<bé@exämple.fr> SMTPUTF8')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<ü@exämple.fr>')).code).toBe(250);
    await c.cmd('DATA');
    expect((await c.cmd('x\r\n.')).code).toBe(250);
    expect(messages[0]).toMatchObject({ from: 'bé@exämple.fr', to: ['ü@exämple.fr'], mailParams: ['SMTPUTF8'] });
  });
});

describe('sink: discard without onMessage (the load-test setup)', () => {
  it('counts messages and unstuffed bytes, answers with an id, and still checks the envelope', async () => {
    sink = await startSink({ discard: true });
    const c = await open();
    await c.cmd('EHLO client.example');
    // The usual shapes (read from bytes) and the unusual ones (general parser) in one pipelined batch.
    c.write('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<@relay.example:c@example.com>\r\nRCPT TO:<Postmaster>\r\nRCPT TO:<d@exa mple.com>\r\nDATA\r\n');
    expect((await c.replies(6)).map((r) => r.lines[0])).toEqual([
      '250 2.1.0 Sender OK',
      '250 2.1.5 Recipient OK',
      '250 2.1.5 Recipient OK',
      '250 2.1.5 Recipient OK',
      '501 5.1.3 Bad address syntax',
      '354 Start mail input; end with <CRLF>.<CRLF>',
    ]);
    c.write('..x\r\nbody\r\n.\r\nMAIL FROM:<a b@example.com>\r\nMAIL FROM:<>\r\nMAIL FROM:<e@example.com>\r\n');
    const [queued, ...rest] = await c.replies(4);
    expect(queued?.lines[0]).toMatch(/^250 2\.0\.0 OK: queued as [0-9a-z]+$/);
    expect(rest.map((r) => r.code)).toEqual([250, 503, 503]); // "a b" is allowed, then MAIL nests
    const stats = (sink as SinkServer).stats;
    expect(stats.messages).toBe(1);
    expect(stats.bytes).toBe('.x\r\nbody\r\n'.length);
  });
});

describe('sink: pipelining and chunk boundaries', () => {
  it('answers every pipelined command of one write, in order, in one write', async () => {
    const { c, messages } = await setup();
    const chunks: string[] = [];
    c.socket.on('data', (d: string) => chunks.push(d));
    c.write('EHLO x\r\nMAIL FROM:<a@b.c> SIZE=100\r\nRCPT TO:<d@e.f>\r\nRCPT TO:<g@h.i> NOTIFY=SUCCESS,FAILURE\r\nDATA\r\n');
    const replies = await c.replies(5);
    expect(codes(replies)).toEqual([250, 250, 250, 250, 354]);
    expect(chunks).toHaveLength(1); // one socket write for five replies
    // Body, terminator and the next transaction and QUIT pipelined in one write (the client may do so after 354).
    c.write('one\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nNOOP\r\nQUIT\r\n');
    expect(codes(await c.replies(5))).toEqual([250, 250, 250, 250, 221]);
    await c.waitClosed();
    expect(messages.map((m) => [m.from, m.to, m.raw?.toString()])).toEqual([['a@b.c', ['d@e.f', 'g@h.i'], 'one\r\n']]);
  });

  it('dot-unstuffs, and finds a terminator split across chunks', async () => {
    const { c, messages } = await setup();
    c.write('EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n');
    expect(codes(await c.replies(4))).toEqual([250, 250, 250, 354]);
    for (const piece of ['..leading dot\r\n', 'middle . dot\r\n.', '.\r\n...two\r', '\n', '\r\n.', '\r', '\nNOOP\r\n']) {
      c.write(piece);
      await sleep(15); // pacing so the pieces arrive as separate chunks
    }
    expect(codes(await c.replies(2))).toEqual([250, 250]);
    expect(messages[0]?.raw?.toString()).toBe('.leading dot\r\nmiddle . dot\r\n.\r\n..two\r\n\r\n'); // the last piece adds an empty line
    expect(messages[0]?.size).toBe(messages[0]?.raw?.length);
  });

  it('does not end DATA on a bare-LF terminator (no SMTP smuggling)', async () => {
    const { c, messages } = await setup();
    c.write('EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n');
    await c.replies(4);
    c.write('a\n.\nMAIL FROM:<evil@x.y>\r\nb\r\n.\r\n');
    expect(codes(await c.replies(1))).toEqual([250]);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.raw?.toString()).toBe('a\n.\nMAIL FROM:<evil@x.y>\r\nb\r\n');
  });

  it('reads BDAT chunks by exact byte count across socket chunks', async () => {
    const { c, messages } = await setup();
    c.write('EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\n');
    await c.replies(3);
    // The payload contains things that would mean something in command or DATA mode.
    const part1 = 'QUIT\r\n.\r\n';
    const part2 = '..x\r\nRSET\r\n';
    c.write(`BDAT ${part1.length}\r\n${part1.slice(0, 4)}`);
    await sleep(15);
    c.write(part1.slice(4));
    await sleep(15);
    c.write(`BDAT ${part2.length} LAST\r\n${part2}NOOP\r\n`);
    const replies = await c.replies(3);
    expect(replies.map((r) => r.lines[0])).toEqual([
      `250 2.0.0 ${part1.length} octets received`,
      `250 2.0.0 OK: queued as ${messages[0]?.id}`,
      '250 2.0.0 OK',
    ]);
    expect(messages[0]).toMatchObject({ transport: 'BDAT', size: part1.length + part2.length });
    expect(messages[0]?.raw?.toString()).toBe(part1 + part2);
    // BDAT 0 LAST ends a message too, and DATA is refused once BDAT started.
    c.write('MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT 2\r\nabDATA\r\nBDAT 0 LAST\r\n');
    expect(codes(await c.replies(5))).toEqual([250, 250, 250, 503, 250]);
    expect(messages[1]?.raw?.toString()).toBe('ab');
  });

  it('consumes the bytes of a refused BDAT chunk instead of reading them as commands', async () => {
    const { c } = await setup();
    await c.cmd('EHLO x');
    c.write('BDAT 6 LAST\r\nQUIT\r\nNOOP\r\n');
    expect((await c.replies(2)).map((r) => r.lines[0])).toEqual(['503 5.5.1 Send MAIL first', '250 2.0.0 OK']);
    expect((await c.cmd('BDAT x')).code).toBe(501);
  });
});

describe('sink: limits', () => {
  it('refuses SIZE= over the limit at MAIL, and oversized DATA and BDAT bodies after reading them', async () => {
    const { c, messages } = await setup({ maxMessageBytes: 1000 });
    expect((await c.cmd('EHLO x')).lines).toContain('250-SIZE 1000');
    expect((await c.cmd('MAIL FROM:<a@b.c> SIZE=1001')).lines).toEqual(['552 5.3.4 Message size exceeds fixed maximum message size']);
    c.write('MAIL FROM:<a@b.c> SIZE=10\r\nRCPT TO:<d@e.f>\r\nDATA\r\n');
    expect(codes(await c.replies(3))).toEqual([250, 250, 354]);
    c.write(`${'x'.repeat(998)}\r\n`);
    c.write('y\r\n.\r\n');
    expect((await c.reply()).lines).toEqual(['552 5.3.4 Message size exceeds fixed maximum message size']);
    // Exactly at the limit is fine.
    c.write('MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n');
    await c.replies(3);
    expect((await c.cmd(`${'x'.repeat(998)}\r\n.`)).code).toBe(250);
    // BDAT: the 1001st byte arrives in the second chunk; a following chunk finds no transaction.
    c.write(`MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT 600\r\n${'a'.repeat(600)}BDAT 401\r\n${'b'.repeat(401)}`);
    c.write(`BDAT 5 LAST\r\n12345NOOP\r\n`);
    expect((await c.replies(6)).map((r) => r.lines[0]?.slice(0, 9))).toEqual([
      '250 2.1.0', '250 2.1.5', '250 2.0.0', '552 5.3.4', '503 5.5.1', '250 2.0.0',
    ]);
    expect(messages.map((m) => m.size)).toEqual([1000]);
    expect(sink?.stats.rejected).toBe(4);
  });

  it('refuses chosen recipients with 550 5.1.1, limits recipients with 452, and keeps the others', async () => {
    const { c, messages } = await setup({ refuseRecipients: (a) => a.startsWith('bad'), rcptLimit: 2 });
    c.write('EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<bad1@x.y>\r\nRCPT TO:<ok1@x.y>\r\nRCPT TO:<bad2@x.y>\r\n');
    c.write('RCPT TO:<ok2@x.y>\r\nRCPT TO:<ok3@x.y>\r\nDATA\r\n');
    const replies = await c.replies(7);
    expect(replies.map((r) => r.lines[0])).toEqual([
      '250-localhost greets x',
      '250 2.1.0 Sender OK',
      '550 5.1.1 Mailbox unavailable',
      '250 2.1.5 Recipient OK',
      '550 5.1.1 Mailbox unavailable',
      '250 2.1.5 Recipient OK',
      '452 4.5.3 Too many recipients',
    ]);
    expect((await c.reply()).code).toBe(354);
    expect((await c.cmd('x\r\n.')).code).toBe(250);
    expect(messages[0]?.to).toEqual(['ok1@x.y', 'ok2@x.y']);
    c.write('MAIL FROM:<a@b.c>\r\nRCPT TO:<bad3@x.y>\r\nDATA\r\n');
    expect(codes(await c.replies(3))).toEqual([250, 550, 554]);
  });

  it('answers an overlong line with 500 and a bare LF with 500, then carries on', async () => {
    const { c } = await setup();
    c.write(`NOOP ${'x'.repeat(5000)}\r\nNOOP\r\n`);
    expect((await c.replies(2)).map((r) => r.lines[0])).toEqual(['500 5.5.2 Line too long', '250 2.0.0 OK']);
    for (let i = 0; i < 10; i++) c.write('y'.repeat(1000)); // endless line in pieces
    c.write('\r\nNOOP\nNOOP\r\n');
    expect((await c.replies(3)).map((r) => r.lines[0])).toEqual([
      '500 5.5.2 Line too long',
      '500 5.5.2 Command lines must end with CRLF',
      '250 2.0.0 OK',
    ]);
  });

  it('hangs up on a client that keeps sending garbage', async () => {
    const { c } = await setup();
    c.write('BOGUS\r\n'.repeat(60));
    const replies = await c.replies(51);
    expect(replies.slice(0, 50).every((r) => r.code === 500)).toBe(true);
    expect(replies[50]?.lines).toEqual(['421 4.7.0 Too many errors, closing connection']);
    await c.waitClosed();
  });

  it('refuses connections over maxConnections with 421', async () => {
    await setup({ maxConnections: 1 });
    const extra = await RawClient.open((sink as SinkServer).port);
    clients.push(extra);
    expect((await extra.reply()).lines).toEqual(['421 4.3.2 Too many connections, try again later']);
    await extra.waitClosed();
  });

  it('closes idle connections with 421 4.4.2', async () => {
    const { c } = await setup({ idleTimeoutMs: 100 });
    expect((await c.reply()).lines).toEqual(['421 4.4.2 Idle timeout, closing connection']);
    await c.waitClosed();
  });

  it('keeps a connection that talks more often than the idle timeout, however long it lasts', async () => {
    const { c } = await setup({ idleTimeoutMs: 300 });
    // Three idle periods of NOOPs every 50 ms: each input resets the idle clock.
    for (let i = 0; i < 18; i++) {
      expect((await c.cmd('NOOP')).code).toBe(250);
      await sleep(50);
    }
    expect(c.closed).toBe(false);
    expect((await c.reply()).lines).toEqual(['421 4.4.2 Idle timeout, closing connection']);
    await c.waitClosed();
  });

  it('answers every command of one pipelined packet, in order, whatever the case of the verbs', async () => {
    const { c, messages } = await setup();
    c.write('ehlo x\r\nMail FROM:<a@b.c>\r\nrcpt TO:<d@e.f>\r\nDaTa\r\n');
    const replies = await c.replies(4);
    expect(replies.map((r) => r.code)).toEqual([250, 250, 250, 354]);
    // The body (with a stuffed dot line: "\r\n..\r\n" is not the end), its end and the next commands in one packet.
    c.write('x\r\na.\r\n..\r\n.\r\nNOOP\r\nQUIT\r\n');
    expect((await c.replies(3)).map((r) => r.code)).toEqual([250, 250, 221]);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.raw?.toString('latin1')).toBe('x\r\na.\r\n.\r\n');
    await c.waitClosed();
  });

  it('close() tells connected clients and waits for them', async () => {
    const { c } = await setup();
    await c.cmd('EHLO x');
    await (sink as SinkServer).close();
    expect((await c.reply()).lines).toEqual(['421 4.3.2 Service shutting down, closing connection']);
    await c.waitClosed();
  });
});
