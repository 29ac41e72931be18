/**
 * DKIM in send(): signed once per send (retries resend the same signed bytes), the From domain guard, and
 * the temporary file a caller's stream is spooled to (private, removed on success, failure and abort).
 * Whether the signatures verify is shown by dkimpy in test/interop/dkim.test.ts.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/transport.js';
import { defaultConnector, type Connector } from '../../src/tls/connector.js';
import { rejection } from '../helpers/expect-error.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { ed25519Key, rsaKey } from './keys.js';

const rsa = rsaKey();
const ed = ed25519Key();
const dual = [
  { domain: 'example.com', selector: 'rsa', privateKey: rsa.pem },
  { domain: 'example.com', selector: 'ed', privateKey: ed.privateKey },
];

// The spool goes to os.tmpdir(), which follows TMPDIR: a directory of our own shows exactly what is left.
const ownTmp = mkdtempSync(join(tmpdir(), 'mw-dkim-test-'));
const savedTmp = process.env.TMPDIR;
beforeAll(() => {
  process.env.TMPDIR = ownTmp;
});
afterAll(() => {
  // Assigning undefined would store the string "undefined" for every later test in this process.
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(ownTmp, { recursive: true, force: true });
});
const spools = (): string[] => readdirSync(ownTmp).filter((n) => n.startsWith('mailwire-dkim-'));

let peer: SmtpServerPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

/** Drops the first connection as soon as the client writes the message's first bytes (before the end). */
function breakFirstBody(): { connector: Connector; firstAttempt: () => string } {
  let first = '';
  let connections = 0;
  const connector: Connector = async (request) => {
    const socket = await defaultConnector(request);
    if (++connections > 1) return socket;
    const stream = socket.stream;
    const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      const text = Buffer.from(chunk as Uint8Array).toString('latin1');
      if (text.includes('DKIM-Signature:')) {
        first = text.slice(text.indexOf('DKIM-Signature:'));
        stream.destroy();
        return false;
      }
      return original(chunk, ...rest);
    }) as typeof stream.write;
    return socket;
  };
  return { connector, firstAttempt: () => first };
}

const signatureBlock = (message: string): string => message.slice(message.indexOf('DKIM-Signature:'), message.indexOf('From:'));
const bigText = (): Buffer => Buffer.alloc(2 * 1024 * 1024, 'x'.repeat(75) + '\n');

describe('DKIM in send()', () => {
  it('signs an in-memory message: both signatures on top, everything else as composed', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', dkim: dual });
    const info = await transport.send({ from: 'Joe <joe@example.com>', to: 'b@example.net', subject: 'hi', text: 'hello' });
    await transport.close();
    const got = peer.messages[0]?.bytes.toString('latin1') ?? '';
    expect(got).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.com; s=rsa;\r\n/);
    expect(got.split('DKIM-Signature:')[2]).toMatch(/^ v=1; a=ed25519-sha256;/);
    expect(got).toContain(`Message-ID: ${info.messageId}`);
    for (const line of signatureBlock(got).split('\r\n')) expect(line.length).toBeLessThan(78);
    // Present fields once, From/To/Cc/Subject/Reply-To/Sender once more (oversigned), absent ones included.
    expect(signatureBlock(got).replace(/\r\n /g, '')).toContain('h=from:from:sender:reply-to:subject:subject:date:message-id:to:to:cc:mime-version:content-type:content-transfer-encoding;');
  });

  it.each([
    ['a message held in memory but streamed (2 MB)', () => ({ attachments: [{ filename: 'a.txt', content: bigText() }] })],
    ['a file read twice', () => {
      const file = join(ownTmp, 'attachment.txt');
      writeFileSync(file, bigText());
      return { attachments: [{ path: file }] };
    }],
    ['a caller stream, spooled', () => ({ attachments: [{ filename: 'a.txt', content: Readable.from([bigText()]) }] })],
  ])('a retry after a broken first attempt sends the same signed bytes: %s', async (_name, parts) => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const broken = breakFirstBody();
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', connector: broken.connector, retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 }, dkim: dual });
    const info = await transport.send({ from: 'joe@mail.example.com', to: 'b@example.net', subject: 'retry', ...parts() });
    await transport.close();
    expect(info.attempts).toBe(2);
    const got = peer.messages[0]?.bytes.toString('latin1') ?? '';
    // The first attempt's first body write holds at least the signatures; the delivered message starts with it.
    expect(broken.firstAttempt().length).toBeGreaterThan(300);
    expect(got.startsWith(broken.firstAttempt())).toBe(true);
    expect(spools()).toEqual([]);
  });

  it('a domain that does not cover From is EGUARD at send, naming the fix; nothing is sent', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', dkim: { domain: 'example.com', selector: 's', privateKey: ed.pem } });
    const error = await rejection(transport.send({ from: 'joe@notexample.com', to: 'b@example.net', text: 'x' }));
    expect(error.code).toBe('EGUARD');
    expect(error.delivery).toBe('none');
    expect(error.message).toMatch(/"example\.com".*"notexample\.com".*allowDomainMismatch: true/);
    await transport.close();
    expect(peer.mails).toHaveLength(0);
  });

  it('a parent domain signs for a subdomain; allowDomainMismatch signs anything', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', dkim: { domain: 'example.com', selector: 's', privateKey: ed.pem, allowDomainMismatch: true } });
    await transport.send({ from: 'joe@other.org', to: 'b@example.net', text: 'x' });
    await transport.close();
    expect(peer.messages[0]?.bytes.toString('latin1')).toMatch(/^DKIM-Signature: .*d=example\.com;/);
  });

  it('the spool file of a stream is removed when the send fails', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true, refuseRcpt: () => true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', dkim: dual });
    const error = await rejection(transport.send({ from: 'joe@example.com', to: 'b@example.net', attachments: [{ filename: 'a.txt', content: Readable.from([bigText()]) }] }));
    expect(error.code).toBe('EENVELOPE');
    await transport.close();
    expect(spools()).toEqual([]);
  });

  it('an abort while a stream is being spooled ends the send (EABORT) and removes the file', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', dkim: dual });
    const controller = new AbortController();
    // A stream that gives one chunk and then nothing: the spool waits for it until the abort.
    const stalled = new Readable({ read() {} });
    stalled.push(Buffer.alloc(100_000, 'a'));
    const sending = transport.send({ from: 'joe@example.com', to: 'b@example.net', attachments: [{ filename: 'a.bin', content: stalled }] }, { signal: controller.signal });
    while (spools().length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const error = await rejection(sending);
    expect(error.code).toBe('EABORT');
    expect(error.delivery).toBe('none');
    await transport.close();
    expect(spools()).toEqual([]);
    expect(peer.mails).toHaveLength(0);
  });
});
