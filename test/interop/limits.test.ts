// Size at the real servers: a 12 MB attachment (about 16 MB once base64-encoded, under the harness's
// 20 MiB SIZE) delivered intact through Postfix and aiosmtpd, and messages over the servers' SIZE refused
// before any MAIL is sent (ESIZE), or by the server itself when the client could not know the size.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { removeMessages, requireServers, uniqueToken, waitForAiosmtpd, waitForPostfix, type AiosmtpdCapture, type PostfixDelivery } from './harness.js';
import { failure, interopConnection, interopTransport, parseMail, postfixLogMark, postfixSession, sha256, withCrlf, withTransport } from './mailwire-client.js';
import { sessionHooks } from '../../src/connection/smtp-connection.js';

const servers = requireServers();
const { ports, auth, sizeLimit } = servers;
const consumed: (PostfixDelivery | AiosmtpdCapture)[] = [];
afterAll(() => removeMessages(consumed));

const BIG = 12 * 1024 * 1024;
/** Our own guard must not be what stops these messages: only the server's SIZE may. */
const guards = { maxMessageBytes: 32 * 1024 * 1024 };

/** An ASCII message of exactly `size` bytes in CRLF lines (so normalisation cannot change its size). */
function messageOfSize(token: string, size: number): Buffer {
  const head = `Subject: size ${token}\r\n\r\n`;
  const line = `${'x'.repeat(998)}\r\n`;
  const out = Buffer.alloc(size, 'y');
  out.write(head, 0, 'latin1');
  let at = head.length;
  while (at + line.length + 2 <= size) at += out.write(line, at, 'latin1');
  out.write('\r\n', size - 2, 'latin1');
  return out;
}

describe('a 12 MB attachment (about 16 MB of base64)', () => {
  it('through Postfix submission (STARTTLS + AUTH), in BDAT chunks: the delivered attachment is byte-identical', { timeout: 90_000 }, async () => {
    const token = uniqueToken('pf-12mb');
    const content = randomBytes(BIG);
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, { port: ports.submission, security: 'starttls', auth, guards });
    const info = await withTransport(client, (t) =>
      t.send({ from: 'a@example.com', to: `r-${token}@example.org`, subject: `big ${token}`, text: 'see attachment', attachments: [{ filename: 'big.bin', content }] }),
    );
    const [d] = await waitForPostfix(servers, token, { timeoutMs: 30_000 });
    consumed.push(d!);
    expect(info.messageBytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(info.messageBytes).toBeLessThan(sizeLimit);
    expect(client.record.lines('C').find((l) => l.startsWith('MAIL'))).toBe(`MAIL FROM:<a@example.com> SIZE=${info.messageBytes}`);
    const bdat = client.record.lines('C').filter((l) => l.startsWith('BDAT'));
    expect(bdat.reduce((n, l) => n + Number(l.split(' ')[1]), 0)).toBe(info.messageBytes);
    expect(await postfixSession(servers, client.record.localPorts[0]!, mark)).toMatchObject({ mail: '1', bdat: String(bdat.length) });

    const stored = withCrlf(d!.message);
    expect(stored.length).toBe(info.messageBytes);
    const parsed = await parseMail(stored);
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]!.filename).toBe('big.bin');
    expect(sha256(parsed.attachments[0]!.content as ArrayBuffer)).toBe(sha256(content));
  });

  it('through aiosmtpd with DATA: the captured bytes have the announced size and the same attachment', { timeout: 90_000 }, async () => {
    const token = uniqueToken('aio-12mb');
    const content = randomBytes(BIG);
    const client = interopTransport(servers, { port: ports.aiosmtpd, security: 'none', guards });
    const info = await withTransport(client, (t) =>
      t.send({ from: 'a@example.com', to: `r-${token}@example.org`, subject: `big ${token}`, attachments: [{ filename: 'big.bin', content }] }),
    );
    const [c] = await waitForAiosmtpd(servers, token, { timeoutMs: 30_000 });
    consumed.push(c!);
    expect(c!.data.length).toBe(info.messageBytes);
    expect(c!.envelope.mailOptions).toEqual([`SIZE=${info.messageBytes}`]);
    const parsed = await parseMail(c!.data);
    expect(sha256(parsed.attachments[0]!.content as ArrayBuffer)).toBe(sha256(content));
  });
});

describe('over the server\'s SIZE', () => {
  it('Postfix: one byte over the advertised SIZE is ESIZE before MAIL; Postfix saw no MAIL; not retried', async () => {
    const token = uniqueToken('pf-esize');
    const raw = messageOfSize(token, sizeLimit + 1);
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, { port: ports.submission, security: 'starttls', auth, guards, retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 } });
    const error = await failure(withTransport(client, (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, raw)));
    expect(error).toMatchObject({ code: 'ESIZE', phase: 'mail', delivery: 'none', transient: false });
    expect(error.message).toContain(`${sizeLimit + 1} bytes`);
    expect(error.message).toContain(String(sizeLimit));
    expect(client.record.lines('C').filter((l) => /^(MAIL|RCPT|BDAT|DATA)/.test(l))).toEqual([]);
    expect(client.record.localPorts).toHaveLength(1);
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session).toMatchObject({ auth: '1', quit: '1' });
    expect(session['mail']).toBeUndefined();
  });

  it('aiosmtpd: the same, ESIZE and nothing sent after EHLO', async () => {
    const token = uniqueToken('aio-esize');
    const client = interopTransport(servers, { port: ports.aiosmtpd, security: 'none', guards });
    const error = await failure(withTransport(client, (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, messageOfSize(token, sizeLimit + 1))));
    expect(error).toMatchObject({ code: 'ESIZE', phase: 'mail', delivery: 'none' });
    expect(client.record.lines('C')).toEqual(['EHLO client.test', 'QUIT']);
  });

  it('a stream with a declared size over the limit: ESIZE before MAIL, the stream is never read', async () => {
    const { conn, record } = interopConnection(servers, { port: ports.aiosmtpd, security: 'none' });
    let read = false;
    const body = new Readable({ read: () => { read = true; } });
    try {
      await conn.open();
      const error = await failure(conn.send({ from: 'a@example.com', to: ['r@example.org'] }, body, { size: sizeLimit + 1 }));
      expect(error).toMatchObject({ code: 'ESIZE', phase: 'mail' });
      expect(sessionHooks(conn).usable).toBe(true); // nothing was sent, the session goes on
      expect((await conn.noop()).code).toBe(250);
    } finally {
      await conn.quit();
    }
    expect(read).toBe(false);
    expect(record.lines('C')).toEqual(['EHLO client.test', 'NOOP', 'QUIT']);
  });

  it('Postfix enforces SIZE itself: MAIL with SIZE= over its limit gets 552 5.3.4 (EENVELOPE)', async () => {
    const { conn } = interopConnection(servers, { port: ports.postfix, security: 'none' });
    try {
      await conn.open();
      expect(conn.capabilities?.size).toBe(sizeLimit);
      const error = await failure(conn.mail('a@example.com', { size: sizeLimit + 1 }));
      expect(error).toMatchObject({ code: 'EENVELOPE', phase: 'mail', replyCode: 552, enhancedCode: '5.3.4' });
    } finally {
      await conn.quit();
    }
  });

  it('a stream of unknown size that turns out too big: aiosmtpd refuses it after DATA (552), EMESSAGE, nothing captured', { timeout: 60_000 }, async () => {
    const token = uniqueToken('aio-toobig');
    const raw = messageOfSize(token, sizeLimit + 64 * 1024);
    const { conn, record } = interopConnection(servers, { port: ports.aiosmtpd, security: 'none' });
    const pieces = Array.from({ length: Math.ceil(raw.length / 65_536) }, (_, i) => raw.subarray(i * 65_536, (i + 1) * 65_536));
    let error;
    try {
      await conn.open();
      error = await failure(conn.send({ from: 'a@example.com', to: [`r-${token}@example.org`] }, Readable.from(pieces)));
    } finally {
      await conn.quit();
    }
    expect(error).toMatchObject({ code: 'EMESSAGE', phase: 'data', replyCode: 552, delivery: 'none' });
    expect(record.lines('C').find((l) => l.startsWith('MAIL'))).toBe('MAIL FROM:<a@example.com>'); // no SIZE= to announce
    await expect(waitForAiosmtpd(servers, token, { timeoutMs: 500 })).rejects.toThrow(/found 0/);
  });
});
