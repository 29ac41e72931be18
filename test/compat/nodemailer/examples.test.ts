/**
 * nodemailer's documented examples (its site's "Example", SMTP transport, message, attachments and pooled
 * SMTP pages), written as nodemailer documents them with only the import changed, run against
 * smtp-server (an independent server) on loopback. What the server received is read back with
 * postal-mime, not with mailwire's own parser.
 */
import { Readable } from 'node:stream';
import PostalMime from 'postal-mime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nodemailer from '../../../src/compat/nodemailer/index.js';
import { SmtpError } from '../../../src/index.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../../helpers/smtp-server-peer.js';

let peer: SmtpServerPeer;
beforeEach(async () => {
  peer = await startSmtpServerPeer({ users: { 'maddison53@ethereal.email': 'jn7jnAPss4f63QBp6D' }, refuseRcpt: (a) => a.startsWith('nobody@') });
});
afterEach(async () => {
  await peer.close();
});

const options = () => ({
  host: '127.0.0.1',
  port: peer.port,
  secure: false, // true for port 465, false for other ports
  auth: { user: 'maddison53@ethereal.email', pass: 'jn7jnAPss4f63QBp6D' },
  tls: { rejectUnauthorized: false },
});

describe("nodemailer's examples through mailwire/nodemailer", () => {
  it('the front-page example: await sendMail, info.messageId, STARTTLS and AUTH on the server side', async () => {
    const transporter = nodemailer.createTransport(options());
    const info = await transporter.sendMail({
      from: '"Maddison Foo Koch" <maddison53@ethereal.email>',
      to: 'bar@example.com, baz@example.com',
      subject: 'Hello ✔',
      text: 'Hello world?',
      html: '<b>Hello world?</b>',
    });
    transporter.close();
    expect(info.messageId).toMatch(/^<[^<>@\s]+@[^<>\s]+>$/);
    expect(info.accepted).toEqual(['bar@example.com', 'baz@example.com']);
    expect(info.rejected).toEqual([]);
    expect(info.envelope).toEqual({ from: 'maddison53@ethereal.email', to: ['bar@example.com', 'baz@example.com'] });
    expect(info.response).toMatch(/^250 /);
    expect(peer.auths).toEqual([expect.objectContaining({ ok: true, secure: true, username: 'maddison53@ethereal.email' })]);
    const email = await PostalMime.parse(peer.messages[0]!.bytes);
    expect(email.subject).toBe('Hello ✔');
    expect(email.from).toMatchObject({ name: 'Maddison Foo Koch', address: 'maddison53@ethereal.email' });
    expect(email.text?.trim()).toBe('Hello world?');
    expect(email.html?.trim()).toBe('<b>Hello world?</b>');
    expect(email.messageId).toBe(info.messageId);
  });

  it('callbacks: verify(cb) then sendMail(message, cb)', async () => {
    const transporter = nodemailer.createTransport(options());
    const verified = await new Promise<unknown>((resolve) => transporter.verify((error, success) => resolve(error ?? success)));
    expect(verified).toBe(true);
    const info = await new Promise<unknown>((resolve) =>
      transporter.sendMail({ from: 'sender@example.com', to: 'recipient@example.com', subject: 'Message', text: 'I hope this message gets delivered!' }, (err, i) => resolve(err ?? i)),
    );
    transporter.close();
    expect(info).toMatchObject({ accepted: ['recipient@example.com'], rejected: [] });
  });

  it('the message page: cc, bcc, replyTo, headers, list, priority, a custom envelope', async () => {
    const transporter = nodemailer.createTransport(options(), { from: 'defaults@example.com' });
    const info = await transporter.sendMail({
      to: 'to@example.com',
      cc: ['cc1@example.com', { name: 'Cc Two', address: 'cc2@example.com' }],
      bcc: 'hidden@example.com',
      replyTo: 'replies@example.com',
      subject: 'Message fields',
      text: 'Plaintext version of the message',
      headers: { 'X-Laziness-level': '1000', 'X-Key-Array': ['one', 'two'] },
      list: { help: 'admin@example.com?subject=help', unsubscribe: { url: 'http://example.com', comment: 'Comment' } },
      priority: 'high',
      envelope: { from: 'bounces@example.com', to: 'to@example.com', bcc: 'hidden@example.com' },
    });
    transporter.close();
    expect(info.envelope).toEqual({ from: 'bounces@example.com', to: ['to@example.com', 'hidden@example.com'] });
    expect(peer.mails.map((m) => m.address)).toEqual(['bounces@example.com']);
    const email = await PostalMime.parse(peer.messages[0]!.bytes);
    expect(email.from?.address).toBe('defaults@example.com');
    expect(email.cc?.map((a) => a.address)).toEqual(['cc1@example.com', 'cc2@example.com']);
    expect(email.replyTo?.[0]?.address).toBe('replies@example.com');
    const header = (name: string) => email.headers.filter((h) => h.key === name).map((h) => h.value);
    expect(header('bcc')).toEqual([]);
    expect(header('x-laziness-level')).toEqual(['1000']);
    expect(header('x-key-array')).toEqual(['one', 'two']);
    expect(header('list-help')).toEqual(['<mailto:admin@example.com?subject=help>']);
    expect(header('list-unsubscribe')).toEqual(['<http://example.com> (Comment)']);
  });

  it('the attachments page: string, Buffer, stream, data: URI, base64 with encoding, an embedded image', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const transporter = nodemailer.createTransport(options());
    await transporter.sendMail({
      from: 'sender@example.com',
      to: 'recipient@example.com',
      subject: 'Attachments',
      html: 'Embedded image: <img src="cid:unique@nodemailer.com"/>',
      attachments: [
        { filename: 'text1.txt', content: 'hello world!' },
        { filename: 'text2.txt', content: Buffer.from('hello world!', 'utf-8') },
        { filename: 'text3.txt', content: Readable.from([Buffer.from('hello stream')]) },
        { path: 'data:text/plain;base64,aGVsbG8gd29ybGQ=' },
        { filename: 'text4.txt', content: 'aGVsbG8gd29ybGQh', encoding: 'base64' },
        { filename: 'image.png', content: png, cid: 'unique@nodemailer.com' },
      ],
    });
    transporter.close();
    const email = await PostalMime.parse(peer.messages[0]!.bytes);
    const parts = email.attachments
      .filter((a) => a.mimeType === 'text/plain')
      .map((a) => ({ filename: a.filename, mimeType: a.mimeType, text: Buffer.from(a.content as ArrayBuffer).toString('utf8') }));
    expect(parts).toEqual([
      { filename: 'text1.txt', mimeType: 'text/plain', text: 'hello world!' },
      { filename: 'text2.txt', mimeType: 'text/plain', text: 'hello world!' },
      { filename: 'text3.txt', mimeType: 'text/plain', text: 'hello stream' },
      expect.objectContaining({ mimeType: 'text/plain', text: 'hello world' }),
      { filename: 'text4.txt', mimeType: 'text/plain', text: 'hello world!' },
    ]);
    const image = email.attachments.find((a) => a.mimeType === 'image/png')!;
    expect(image.contentId).toBe('<unique@nodemailer.com>');
    expect(Buffer.from(image.content as ArrayBuffer).equals(png)).toBe(true);
  });

  it("the pooled SMTP page: 'idle' and isIdle() feed a queue, maxConnections bounds the sessions", async () => {
    const transporter = nodemailer.createTransport({ ...options(), pool: true, maxConnections: 2, maxMessages: 3 });
    const messages = Array.from({ length: 7 }, (_, i) => ({ from: 'sender@example.com', to: `r${i}@example.com`, subject: `n${i}`, text: 'pooled' }));
    const sent: Array<Promise<unknown>> = [];
    await new Promise<void>((resolve) => {
      transporter.on('idle', () => {
        while (transporter.isIdle() && messages.length) sent.push(transporter.sendMail(messages.shift()!));
        if (messages.length === 0) resolve();
      });
    });
    await Promise.all(sent);
    transporter.close();
    expect(peer.messages).toHaveLength(7);
    const sessions = new Set(peer.messages.map((m) => m.sessionId));
    expect(sessions.size).toBeGreaterThanOrEqual(3); // 7 messages, at most 3 per connection
  });

  it('without pool, one connection per message (as nodemailer)', async () => {
    const transporter = nodemailer.createTransport(options());
    for (let i = 0; i < 2; i++) await transporter.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' });
    transporter.close();
    expect(new Set(peer.messages.map((m) => m.sessionId)).size).toBe(2);
  });
});

describe("nodemailer's errors and info", () => {
  it('a wrong password: EAUTH with responseCode, response and command, still an SmtpError', async () => {
    const transporter = nodemailer.createTransport({ ...options(), auth: { user: 'maddison53@ethereal.email', pass: 'wrong' } });
    const error = await transporter.sendMail({ from: 'a@example.com', to: 'b@example.com', text: 't' }).catch((e: unknown) => e);
    transporter.close();
    expect(error).toBeInstanceOf(SmtpError);
    expect(error).toMatchObject({ code: 'EAUTH', responseCode: 535, command: expect.stringMatching(/^AUTH/) });
    expect(String((error as { response?: string }).response)).toMatch(/^535/);
    expect(JSON.stringify(error)).not.toContain('wrong');
  });

  it('some recipients refused: info.rejected as strings, rejectedErrors with the reply', async () => {
    const transporter = nodemailer.createTransport(options());
    const info = await transporter.sendMail({ from: 'a@example.com', to: 'ok@example.com, nobody@example.com', text: 't' });
    transporter.close();
    expect(info.accepted).toEqual(['ok@example.com']);
    expect(info.rejected).toEqual(['nobody@example.com']);
    expect(info.rejectedErrors).toHaveLength(1);
    expect(info.rejectedErrors![0]).toMatchObject({ code: 'EENVELOPE', responseCode: 550, recipient: 'nobody@example.com' });
  });

  it('every recipient refused: EENVELOPE with rejected as strings', async () => {
    const transporter = nodemailer.createTransport(options());
    const error = await transporter.sendMail({ from: 'a@example.com', to: 'nobody@example.com', text: 't' }).catch((e: unknown) => e);
    transporter.close();
    expect(error).toMatchObject({ code: 'EENVELOPE', rejected: ['nobody@example.com'] });
    expect((error as { rejectedErrors: unknown[] }).rejectedErrors).toHaveLength(1);
  });

  it('a raw message with an envelope goes out byte for byte', async () => {
    const transporter = nodemailer.createTransport(options());
    const raw = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: raw\r\nMessage-ID: <raw@example.com>\r\n\r\nraw body\r\n';
    const info = await transporter.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw });
    transporter.close();
    expect(info.accepted).toEqual(['b@example.com']);
    expect(peer.messages[0]!.bytes.toString()).toBe(raw);
  });
});
