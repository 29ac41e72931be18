/**
 * message/rfc822 attachments (RFC 2046 5.2.1: 7bit, 8bit or binary only, never base64 or QP): the
 * checker on byte arrays, the composed message read back by postal-mime, and a real send to smtp-server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { composeToBuffer, prepareMessage } from '../../src/mime/compose.js';
import { encodeEmbeddedMessage } from '../../src/mime/embedded-message.js';
import type { MailMessage } from '../../src/mime/message.js';
import { createTransport } from '../../src/transport/transport.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { rejection } from '../helpers/expect-error.js';
import { expectSameText, expectWellFormed, headerPairs } from './helpers.js';

const EML_LF = 'From: Ann <ann@example.com>\nTo: bob@example.com\nSubject: the original\n\nFirst line.\n.a line with a dot\n';
const EML_CRLF = EML_LF.replace(/\n/g, '\r\n');
const EML_8BIT = 'From: ann@example.com\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCafé, crème brûlée.\r\n';

const base: MailMessage = { from: 'me@example.com', to: 'you@example.com', subject: 'forwarded', text: 'See the attached message.' };

/** The message of the EGUARD error that `p` (a call or a promise) must fail with. */
async function guardMessage(p: Promise<unknown> | (() => unknown)): Promise<string> {
  const error = await rejection(p);
  expect(error.code).toBe('EGUARD');
  return error.message;
}

/** The headers of the part whose Content-Type starts with `type` (a plain scan of the composed bytes). */
function partHeaders(raw: Buffer, type: string): Map<string, string> {
  const text = raw.toString('utf8').replace(/\r\n[ \t]/g, ' ');
  const start = text.indexOf(`Content-Type: ${type}`);
  expect(start).toBeGreaterThan(0);
  const block = text.slice(start, text.indexOf('\r\n\r\n', start));
  return new Map(block.split('\r\n').map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
}

describe('encodeEmbeddedMessage: checks instead of encoding', () => {
  it('keeps a CRLF message as it is: the same Buffer, 7bit', () => {
    const bytes = Buffer.from(EML_CRLF);
    const out = encodeEmbeddedMessage(bytes, 'f');
    expect(out.encoding).toBe('7bit');
    expect(out.data).toBe(bytes);
  });

  it('turns bare LF and bare CR into CRLF and leaves CRLF alone', () => {
    const cases: Array<[string, string]> = [
      ['a\nb\rc\r\nd\n\ne', 'a\r\nb\r\nc\r\nd\r\n\r\ne'],
      ['a\r\r\nb', 'a\r\n\r\nb'],
      ['a\n\rb', 'a\r\n\r\nb'],
      ['a\r', 'a\r\n'],
      ['', ''],
    ];
    for (const [input, want] of cases) expect(encodeEmbeddedMessage(Buffer.from(input), 'f').data.toString()).toBe(want);
  });

  it('says 8bit when a byte is over 127', () => {
    expect(encodeEmbeddedMessage(Buffer.from(EML_8BIT), 'f').encoding).toBe('8bit');
  });

  it('takes a line of 998 octets and refuses one of 999, the last line included', async () => {
    expect(encodeEmbeddedMessage(Buffer.from(`a\r\n${'x'.repeat(998)}\r\nb`), 'f').encoding).toBe('7bit');
    expect(await guardMessage(() => encodeEmbeddedMessage(Buffer.from(`a\r\n${'x'.repeat(999)}\r\nb`), 'attachments[0]'))).toMatch(
      /^attachments\[0\]: a message\/rfc822 attachment cannot be sent as 7bit or 8bit \(RFC 2046 5\.2\.1\): line 2 is longer than 998 octets; attach it as application\/octet-stream/,
    );
    expect(await guardMessage(() => encodeEmbeddedMessage(Buffer.from(`a\nb\n${'x'.repeat(999)}`), 'f'))).toMatch(/line 3 is longer/);
  });

  it('refuses NUL', async () => {
    expect(await guardMessage(() => encodeEmbeddedMessage(Buffer.from('Subject: x\r\n\r\na\0b\r\n'), 'f'))).toMatch(/NUL byte at offset 15/);
  });
});

describe('compose: a message/rfc822 attachment is not base64', () => {
  it('an .eml Buffer with LF line ends: 7bit, CRLF on the wire, read back whole by postal-mime', async () => {
    const raw = await composeToBuffer({ ...base, attachments: [{ filename: 'original.eml', content: Buffer.from(EML_LF) }] });
    expectWellFormed(raw);
    const headers = partHeaders(raw, 'message/rfc822');
    expect(headers.get('content-transfer-encoding')).toBe('7bit');
    expect(headers.get('content-disposition')).toBe('attachment; filename=original.eml');
    expect(raw.includes(Buffer.from(`\r\n\r\n${EML_CRLF}`))).toBe(true);
    const parsed = await PostalMime.parse(raw, { forceRfc822Attachments: true });
    const attached = parsed.attachments.find((a) => a.mimeType === 'message/rfc822');
    expect(attached?.filename).toBe('original.eml');
    // postal-mime hands 7bit/8bit text back with LF line ends.
    expectSameText(Buffer.from(attached?.content as ArrayBuffer).toString(), EML_CRLF);
  });

  it('8-bit content: an 8bit part, and the message asks for 8BITMIME; without it the message does not', async () => {
    const prepared = await prepareMessage({ ...base, attachments: [{ filename: 'fwd.eml', content: Buffer.from(EML_8BIT) }] });
    expect(prepared.eightBit).toBe(true);
    const raw = await prepared.toBuffer();
    expect(partHeaders(raw, 'message/rfc822').get('content-transfer-encoding')).toBe('8bit');
    expect(raw.includes(Buffer.from(EML_8BIT))).toBe(true);
    expect((await prepareMessage({ ...base, attachments: [{ filename: 'fwd.eml', content: Buffer.from(EML_CRLF) }] })).eightBit).toBe(false);
  });

  it('the same from a file (type from the .eml extension) and from a stream, which becomes replayable', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-eml-'));
    try {
      const file = path.join(dir, 'saved.eml');
      await writeFile(file, EML_LF);
      const fromFile = await composeToBuffer({ ...base, attachments: [{ path: file }] });
      expect(partHeaders(fromFile, 'message/rfc822').get('content-transfer-encoding')).toBe('7bit');
      expect(fromFile.includes(Buffer.from(EML_CRLF))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const prepared = await prepareMessage({ ...base, attachments: [{ filename: 'x.eml', content: Readable.from([EML_LF.slice(0, 20), Buffer.from(EML_LF.slice(20))]) }] });
    expect(prepared.replayable).toBe(true);
    const first = await prepared.toBuffer();
    expect(first.includes(Buffer.from(EML_CRLF))).toBe(true);
    expect((await prepared.toBuffer()).equals(first)).toBe(true);
  });

  it('an explicit contentType works the same, and application/octet-stream is the way out (base64)', async () => {
    const typed = await composeToBuffer({ ...base, attachments: [{ filename: 'mail.txt', contentType: 'Message/RFC822', content: EML_LF }] });
    expect(partHeaders(typed, 'message/rfc822').get('content-transfer-encoding')).toBe('7bit');
    const long = `Subject: x\r\n\r\n${'y'.repeat(2000)}\r\n`;
    const opaque = await composeToBuffer({ ...base, attachments: [{ filename: 'long.eml', contentType: 'application/octet-stream', content: long }] });
    expect(partHeaders(opaque, 'application/octet-stream').get('content-transfer-encoding')).toBe('base64');
    expect(headerPairs(opaque).find(([name]) => name === 'content-type')?.[1]).toMatch(/^multipart\/mixed/);
  });

  it('refuses before any byte: a long line, NUL, a stream over maxMessageBytes', async () => {
    const refused = (message: MailMessage, options = {}): Promise<string> => guardMessage(prepareMessage(message, options));
    expect(await refused({ ...base, attachments: [{ filename: 'b.eml', content: `S: x\r\n\r\n${'y'.repeat(1000)}` }] })).toMatch(/^attachments\[0\]: .*line 3 is longer than 998 octets/);
    expect(await refused({ ...base, attachments: [{ filename: 'n.eml', content: Buffer.from('S: x\r\n\r\n\0') }] })).toMatch(/NUL byte/);
    const big = Readable.from([Buffer.alloc(600, 0x61), Buffer.alloc(600, 0x61)]);
    expect(await refused({ ...base, attachments: [{ filename: 's.eml', content: big }] }, { limits: { maxMessageBytes: 1000 } })).toMatch(
      /^attachments\[0\]\.content: the message would be larger than maxMessageBytes \(1000 bytes\)/,
    );
  });

  it('what is read into memory shares one maxMessageBytes budget: files and streams, across attachments', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-eml-'));
    try {
      const file = path.join(dir, 'big.eml');
      await writeFile(file, `Subject: x\r\n\r\n${'y\r\n'.repeat(400)}`); // 1,215 bytes
      const limits = { maxMessageBytes: 1000 };
      expect(await guardMessage(prepareMessage({ ...base, attachments: [{ path: file }] }, { limits }))).toMatch(
        /^attachments\[0\]\.path: the message would be larger than maxMessageBytes/,
      );
      // Each stream fits alone; the third does not fit in what the first two left.
      const part = () => Readable.from([Buffer.from(`S: x\r\n\r\n${'z'.repeat(400)}`)]);
      const overAll = prepareMessage({ ...base, attachments: [1, 2, 3].map((i) => ({ filename: `${i}.eml`, content: part() })) }, { limits });
      expect(await guardMessage(overAll)).toMatch(/^attachments\[2\]\.content: the message would be larger than maxMessageBytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a stream that fails while it is read: EMESSAGE naming the attachment, not a bare Error', async () => {
    const failing = new Readable({
      read() {
        this.push('Subject: x\r\n');
        this.destroy(new Error('disk gone'));
      },
    });
    const error = await rejection(prepareMessage({ ...base, attachments: [{ filename: 'a.eml', content: failing }] }));
    expect(error.code).toBe('EMESSAGE');
    expect(error.delivery).toBe('none');
    expect(error.message).toBe('attachments[0].content: the stream failed: disk gone');
  });
});

describe('a message/rfc822 attachment through createTransport to smtp-server', () => {
  let peer: SmtpServerPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });
  const transportTo = (port: number) => createTransport({ host: '127.0.0.1', port, security: 'none', clientName: 'client.test', retry: { attempts: 1 } });

  it('8-bit content goes with BODY=8BITMIME and arrives byte-exact inside the message', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = transportTo(peer.port);
    try {
      await transport.send({ ...base, attachments: [{ filename: 'fwd.eml', content: Buffer.from(EML_8BIT) }] });
    } finally {
      await transport.close();
    }
    expect(peer.mails[0]?.args).toMatchObject({ BODY: '8BITMIME' });
    const received = peer.messages[0]?.bytes ?? Buffer.alloc(0);
    expect(received.includes(Buffer.from(EML_8BIT))).toBe(true);
    const parsed = await PostalMime.parse(received, { forceRfc822Attachments: true });
    expect(parsed.attachments[0]?.mimeType).toBe('message/rfc822');
    expectSameText(Buffer.from(parsed.attachments[0]?.content as ArrayBuffer).toString(), EML_8BIT);
  });

  it('an abort while a stalled stream is being read for it ends the send (EABORT); close() does not wait for the stream', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = transportTo(peer.port);
    const stalled = new PassThrough();
    stalled.write('Subject: never finished\r\n');
    const controller = new AbortController();
    const sending = transport.send({ ...base, attachments: [{ filename: 'slow.eml', content: stalled }] }, { signal: controller.signal });
    setImmediate(() => controller.abort());
    const error = await rejection(sending);
    await transport.close();
    stalled.destroy();
    expect(error.code).toBe('EABORT');
    expect(error.delivery).toBe('none');
    expect(peer.mails).toEqual([]);
  });

  it('a server without 8BITMIME: EMESSAGE, nothing sent', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true, server: { hide8BITMIME: true } });
    const transport = transportTo(peer.port);
    let error: SmtpError;
    try {
      error = await rejection(transport.send({ ...base, attachments: [{ filename: 'fwd.eml', content: Buffer.from(EML_8BIT) }] }));
    } finally {
      await transport.close();
    }
    expect(error.code).toBe('EMESSAGE');
    expect(error.delivery).toBe('none');
    expect(peer.mails).toEqual([]);
  });
});
