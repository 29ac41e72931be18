/**
 * Mail transactions against smtp-server: pipelining as the server's socket sees it, many recipients with
 * some refused, SIZE, 8BITMIME / SMTPUTF8, and many messages in flight on one connection. Plaintext on
 * loopback keeps these fast; TLS is covered in interop-smtp-server.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import type { SendResult } from '../../src/connection/transaction.js';
import { SmtpError } from '../../src/errors.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { recordingConnector, sha256, startSmtpServerPeer, type PeerOptions, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { rejection as failure } from '../helpers/expect-error.js';

let peer: SmtpServerPeer | undefined;
const open: SmtpConnection[] = [];
afterEach(async () => {
  for (const conn of open.splice(0)) conn.close();
  await peer?.close();
  peer = undefined;
});

async function start(options: PeerOptions = {}): Promise<SmtpServerPeer> {
  peer = await startSmtpServerPeer({ noStartTls: true, ...options });
  return peer;
}

async function connect(server: SmtpServerPeer, options: Partial<ConnectionOptions> = {}): Promise<SmtpConnection> {
  const conn = new SmtpConnection({
    host: '127.0.0.1',
    port: server.port,
    security: 'none',
    clientName: 'client.test',
    tls: { ca: TEST_CERTIFICATE },
    timeouts: { connectMs: 5_000, greetingMs: 5_000, commandMs: 5_000, dataMs: 10_000 },
    ...options,
  });
  open.push(conn);
  await conn.open();
  return conn;
}


const FROM = 'sender@example.com';
const BODY = 'Subject: t\r\n\r\nbody\r\n';
const rcpt = (i: number): string => `r${String(i).padStart(3, '0')}@example.com`;
/** The written form of every command of a pipelined envelope, as the client should put it on the wire. */
const lines = (...commands: string[]): string => commands.map((c) => `${c}\r\n`).join('');

describe('pipelining, observed on the socket and on the server', () => {
  it('writes MAIL, every RCPT and DATA in ONE write; the server gets all recipients', async () => {
    const server = await start();
    const { connector, writes } = recordingConnector();
    const conn = await connect(server, { connector });
    const to = [rcpt(1), rcpt(2), rcpt(3), rcpt(4), rcpt(5)];
    const result = await conn.send({ from: FROM, to }, BODY);
    await conn.quit();

    const text = writes.map((w) => w.toString('latin1'));
    const envelopeWrites = text.filter((w) => /MAIL FROM|RCPT TO|^DATA/m.test(w));
    expect(envelopeWrites).toEqual([lines(`MAIL FROM:<${FROM}>`, ...to.map((a) => `RCPT TO:<${a}>`), 'DATA')]);
    expect(result.accepted).toEqual(to);
    expect(server.rcpts.map((r) => r.address)).toEqual(to);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]?.to).toEqual(to);
    expect(server.messages[0]?.sha256).toBe(sha256(BODY));
  });

  it('pipelines over implicit TLS too (the cleartext writes on the TLS socket)', async () => {
    const server = await start({ noStartTls: false, implicitTls: true });
    const { connector, writes } = recordingConnector();
    const conn = await connect(server, { connector, security: 'tls' });
    await conn.send({ from: FROM, to: [rcpt(1), rcpt(2)] }, BODY);
    await conn.quit();
    const envelopeWrites = writes.map((w) => w.toString('latin1')).filter((w) => /MAIL FROM|RCPT TO|^DATA/m.test(w));
    expect(envelopeWrites).toEqual([lines(`MAIL FROM:<${FROM}>`, `RCPT TO:<${rcpt(1)}>`, `RCPT TO:<${rcpt(2)}>`, 'DATA')]);
    expect(server.messages[0]?.secure).toBe(true);
  });

  it('without PIPELINING (hidePIPELINING) writes one command at a time', async () => {
    const server = await start({ server: { hidePIPELINING: true } });
    const { connector, writes } = recordingConnector();
    const conn = await connect(server, { connector });
    expect(conn.capabilities?.pipelining).toBe(false);
    await conn.send({ from: FROM, to: [rcpt(1), rcpt(2)] }, BODY);
    await conn.quit();
    const envelopeWrites = writes.map((w) => w.toString('latin1')).filter((w) => /MAIL FROM|RCPT TO|^DATA/m.test(w));
    expect(envelopeWrites).toEqual([`MAIL FROM:<${FROM}>\r\n`, `RCPT TO:<${rcpt(1)}>\r\n`, `RCPT TO:<${rcpt(2)}>\r\n`, 'DATA\r\n']);
    expect(server.messages[0]?.to).toEqual([rcpt(1), rcpt(2)]);
  });
});

describe('100 recipients, some refused', () => {
  const everySeventh = (address: string): boolean => Number(/^r(\d+)@/.exec(address)?.[1]) % 7 === 6;
  const all = Array.from({ length: 100 }, (_, i) => rcpt(i));
  const refused = all.filter(everySeventh);
  const accepted = all.filter((a) => !everySeventh(a));

  it('reports exactly the refused ones and delivers to the rest', async () => {
    const server = await start({ refuseRcpt: everySeventh });
    const conn = await connect(server);
    const result = await conn.send({ from: FROM, to: all }, BODY);
    await conn.quit();
    expect(refused).toHaveLength(14);
    expect(result.accepted).toEqual(accepted);
    expect(result.rejected.map((r) => r.address)).toEqual(refused);
    for (const r of result.rejected) {
      expect(r.code).toBe(550);
      expect(r.message).toContain(`No such user here: ${r.address}`);
    }
    expect(server.rcpts).toHaveLength(100);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]?.to).toEqual(accepted);
    expect(server.messages[0]?.sha256).toBe(sha256(BODY));
  });

  it("all refused: EENVELOPE, delivery 'none', no DATA, and the connection stays usable", async () => {
    const server = await start({ refuseRcpt: (a) => a.startsWith('r') });
    const conn = await connect(server);
    const error = await failure(conn.send({ from: FROM, to: all.slice(0, 10) }, BODY));
    expect(error.code).toBe('EENVELOPE');
    expect(error.delivery).toBe('none');
    expect(error.replyCode).toBe(550);
    expect(error.rejected).toHaveLength(10);
    expect(server.dataStarted).toEqual([]);
    expect(server.messages).toEqual([]);
    expect(sessionHooks(conn).usable).toBe(true);

    const second = await conn.send({ from: FROM, to: ['ok@example.com'] }, BODY);
    await conn.quit();
    expect(second.accepted).toEqual(['ok@example.com']);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]?.to).toEqual(['ok@example.com']);
    // One session: the second transaction ran on the same connection, after the failed one.
    expect(new Set(server.mails.map((m) => m.sessionId)).size).toBe(1);
    expect(server.mails).toHaveLength(2);
  });
});

describe('SIZE', () => {
  it('refuses a message over the advertised SIZE with ESIZE before MAIL', async () => {
    const server = await start({ server: { size: 1000 } });
    const conn = await connect(server);
    expect(conn.capabilities?.size).toBe(1000);
    const big = `Subject: big\r\n\r\n${'x'.repeat(2000)}\r\n`;
    const error = await failure(conn.send({ from: FROM, to: ['a@example.com'] }, big));
    expect(error.code).toBe('ESIZE');
    expect(error.delivery).toBe('none');
    // A stream with a declared size is checked the same way.
    const streamed = await failure(conn.send({ from: FROM, to: ['a@example.com'] }, Readable.from([Buffer.from(big)]), { size: 2020 }));
    expect(streamed.code).toBe('ESIZE');
    expect(server.mails).toEqual([]);

    // Under the limit it goes through, and the server sees the exact SIZE= of what was sent.
    const result = await conn.send({ from: FROM, to: ['a@example.com'] }, BODY);
    await conn.quit();
    expect(server.mails).toHaveLength(1);
    expect(server.mails[0]?.args).toMatchObject({ SIZE: String(Buffer.byteLength(BODY)) });
    expect(result.messageBytes).toBe(Buffer.byteLength(BODY));
  });

  it('a stream of unknown size that turns out too big is refused after DATA (552), delivery none, session kept', async () => {
    const server = await start({ server: { size: 1000, rejectOversized: true } });
    const conn = await connect(server);
    const big = Buffer.from(`Subject: big\r\n\r\n${'y'.repeat(3000)}\r\n`);
    const error = await failure(conn.send({ from: FROM, to: ['a@example.com'] }, Readable.from([big])));
    expect(error.code).toBe('EMESSAGE');
    expect(error.replyCode).toBe(552);
    expect(error.delivery).toBe('none');
    expect(server.messages).toEqual([]);
    expect(server.mails[0]?.args).toBe(false); // no SIZE= when the size is unknown
    await conn.send({ from: FROM, to: ['a@example.com'] }, BODY);
    await conn.quit();
    expect(server.messages).toHaveLength(1);
  });
});

describe('8BITMIME and SMTPUTF8', () => {
  const utf8Body = 'Subject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus Köln, 東京 ✓\r\n';

  it('a UTF-8 body goes with BODY=8BITMIME and arrives byte-exact', async () => {
    const server = await start();
    const conn = await connect(server);
    expect(conn.capabilities?.eightBitMime).toBe(true);
    await conn.send({ from: FROM, to: ['a@example.com'] }, utf8Body);
    await conn.quit();
    expect(server.mails[0]?.args).toMatchObject({ BODY: '8BITMIME' });
    expect(server.messages[0]?.bodyType).toBe('8bitmime');
    expect(server.messages[0]?.bytes.equals(Buffer.from(utf8Body, 'utf8'))).toBe(true);
  });

  it('with 8BITMIME hidden: EMESSAGE and nothing sent; the session stays usable', async () => {
    const server = await start({ server: { hide8BITMIME: true } });
    const conn = await connect(server);
    const error = await failure(conn.send({ from: FROM, to: ['a@example.com'] }, utf8Body));
    expect(error.code).toBe('EMESSAGE');
    expect(error.delivery).toBe('none');
    expect(server.mails).toEqual([]);
    await conn.send({ from: FROM, to: ['a@example.com'] }, BODY); // 7-bit still fine
    await conn.quit();
    expect(server.mails).toHaveLength(1);
    expect(server.mails[0]?.args).toBe(false);
  });

  it('a non-ASCII address uses SMTPUTF8, and the server sees the address as written', async () => {
    const server = await start();
    const conn = await connect(server);
    const from = 'jörg@bücher.example';
    const to = ['用户@例子.example', 'plain@example.com'];
    const result = await conn.send({ from, to }, BODY);
    await conn.quit();
    expect(result.accepted).toEqual(to);
    expect(server.mails[0]?.args).toMatchObject({ SMTPUTF8: true });
    expect(server.messages[0]?.smtpUtf8).toBe(true);
    expect(server.messages[0]?.from).toBe(from);
    expect(server.messages[0]?.to).toEqual(to);
  });

  it('with SMTPUTF8 hidden: EENVELOPE and nothing sent', async () => {
    const server = await start({ server: { hideSMTPUTF8: true } });
    const conn = await connect(server);
    const error = await failure(conn.send({ from: FROM, to: ['jörg@example.com'] }, BODY));
    expect(error.code).toBe('EENVELOPE');
    expect(error.delivery).toBe('none');
    expect(server.mails).toEqual([]);
    expect(server.rcpts).toEqual([]);
    await conn.quit();
  });
});

describe('many messages on one connection', () => {
  it('20 sends without awaiting: all arrive in order, each result matches its message', async () => {
    const server = await start();
    const conn = await connect(server);
    const bodies = Array.from({ length: 20 }, (_, i) => `Subject: message ${i}\r\n\r\n${'.'.repeat(i)}line ${i}\n.\n`);
    const sends: Array<Promise<SendResult>> = bodies.map((body, i) => conn.send({ from: FROM, to: [rcpt(i), rcpt(100 + i)] }, body));
    expect(sessionHooks(conn).inFlight).toBe(20);
    const results = await Promise.all(sends);
    await conn.quit();

    expect(server.messages).toHaveLength(20);
    expect(new Set(server.messages.map((m) => m.sessionId)).size).toBe(1);
    server.messages.forEach((message, i) => {
      expect(message.to).toEqual([rcpt(i), rcpt(100 + i)]);
      expect(message.bytes.toString('latin1')).toBe((bodies[i] ?? '').replace(/\r?\n/g, '\r\n'));
      expect(results[i]?.accepted).toEqual([rcpt(i), rcpt(100 + i)]);
      expect(results[i]?.response).toBe(`250 ${message.reply}`);
    });
  });

  it('in-flight sends where some are refused outright: the others still arrive, in order, on the same session', async () => {
    const server = await start({ refuseRcpt: (a) => a.startsWith('nobody') });
    const conn = await connect(server);
    const doomed = new Set([2, 5, 6, 9]);
    const sends = Array.from({ length: 10 }, (_, i) =>
      conn.send({ from: FROM, to: doomed.has(i) ? ['nobody@example.com'] : [rcpt(i)] }, `Subject: ${i}\r\n\r\nbody ${i}\r\n`),
    );
    const settled = await Promise.allSettled(sends);
    await conn.quit();
    settled.forEach((outcome, i) => {
      if (doomed.has(i)) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as SmtpError;
        expect(reason.code).toBe('EENVELOPE');
        expect(reason.delivery).toBe('none');
      } else {
        expect(outcome.status).toBe('fulfilled');
        expect((outcome as PromiseFulfilledResult<SendResult>).value.accepted).toEqual([rcpt(i)]);
      }
    });
    const delivered = [...Array(10).keys()].filter((i) => !doomed.has(i));
    expect(server.messages.map((m) => m.to)).toEqual(delivered.map((i) => [rcpt(i)]));
    expect(server.messages.map((m) => m.bytes.toString())).toEqual(delivered.map((i) => `Subject: ${i}\r\n\r\nbody ${i}\r\n`));
    expect(new Set(server.mails.map((m) => m.sessionId)).size).toBe(1);
  });
});

describe('single commands', () => {
  it('mail, rcpt, rset, noop and raw command work against a real server', async () => {
    const server = await start({ refuseRcpt: (a) => a === 'no@example.com' });
    const conn = await connect(server);
    expect((await conn.mail(FROM)).code).toBe(250);
    expect((await conn.rcpt('yes@example.com')).code).toBe(250);
    const refused = await failure(conn.rcpt('no@example.com'));
    expect(refused.code).toBe('EENVELOPE');
    expect(refused.replyCode).toBe(550);
    expect(refused.phase).toBe('rcpt');
    // A nested MAIL is refused (503) and reported as a refused sender.
    const nested = await failure(conn.mail(FROM));
    expect(nested.replyCode).toBe(503);
    expect((await conn.rset()).code).toBe(250);
    expect((await conn.noop()).code).toBe(250);
    const help = await conn.command('HELP');
    expect(help.code).toBe(214);
    expect((await conn.command('VRFY someone')).code).toBe(252);
    // command() hands back a negative reply as it is, without throwing, and the session carries on.
    expect((await conn.command('VRFY')).code).toBe(501);
    // After RSET the session takes a complete transaction.
    await conn.send({ from: FROM, to: ['yes@example.com'] }, BODY);
    await conn.quit();
    expect(server.mails.map((m) => m.address)).toEqual([FROM, FROM]);
    expect(server.rcpts.map((r) => r.address)).toEqual(['yes@example.com', 'no@example.com', 'yes@example.com']);
    expect(server.messages).toHaveLength(1);
    await server.waitForClosed(1);
  });
});
