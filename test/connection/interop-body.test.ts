/**
 * Message bodies against smtp-server: 10 MB as a string and as a stream arrive byte for byte (after our
 * CRLF normalisation and the server undoing the dot-stuffing), and an abort in the middle of the body leaves
 * the server without a message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import { SmtpError } from '../../src/errors.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { sha256, startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';

let peer: SmtpServerPeer | undefined;
const open: SmtpConnection[] = [];
afterEach(async () => {
  for (const conn of open.splice(0)) conn.close();
  await peer?.close();
  peer = undefined;
});

async function setup(): Promise<{ server: SmtpServerPeer; conn: SmtpConnection }> {
  peer = await startSmtpServerPeer({ noStartTls: true });
  const conn = new SmtpConnection({
    host: '127.0.0.1',
    port: peer.port,
    security: 'none',
    clientName: 'client.test',
    timeouts: { connectMs: 5_000, greetingMs: 5_000, commandMs: 5_000, dataMs: 15_000 },
  });
  open.push(conn);
  await conn.open();
  return { server: peer, conn };
}

/**
 * About 10 MB of lines that exercise the wire rules: every line-ending style (CRLF, bare LF, bare CR),
 * lines that start with one or more dots, a lone "." line (which would end the message if not stuffed),
 * long and empty lines. Deterministic, so a failure is reproducible.
 */
function tenMegabytes(): string {
  const endings = ['\r\n', '\n', '\r\n', '\r', '\r\n'];
  const parts: string[] = ['Subject: ten megabytes\r\nX-Test: body\r\n\r\n'];
  let size = parts[0]?.length ?? 0;
  for (let i = 0; size < 10 * 1024 * 1024; i += 1) {
    let line: string;
    if (i % 97 === 0) line = '.';
    else if (i % 13 === 0) line = `..leading dots ${i}`;
    else if (i % 11 === 0) line = `.${'x'.repeat(i % 300)}`;
    else if (i % 17 === 0) line = '';
    else line = `line ${i} ${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(1 + (i % 5))}`;
    const part = line + (endings[i % endings.length] ?? '\n');
    parts.push(part);
    size += part.length;
  }
  parts.push('last line without a line end'); // the client must add the final CRLF
  return parts.join('');
}

/** What the server must receive: every line end as CRLF, and a final CRLF. Written independently of src/. */
function expectedWire(text: string): Buffer {
  const normalised = text.replace(/\r\n|\r|\n/g, '\r\n');
  return Buffer.from(normalised.endsWith('\r\n') ? normalised : `${normalised}\r\n`, 'latin1');
}

/** Chunks of a prime size, so boundaries fall inside CRLF pairs and right before dots. */
function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('a 10 MB body', () => {
  const text = tenMegabytes();
  const expected = expectedWire(text);

  it('as a string arrives byte-exact', async () => {
    const { server, conn } = await setup();
    expect(text.length).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, text);
    await conn.quit();
    expect(server.messages).toHaveLength(1);
    const got = server.messages[0];
    expect(got?.bytes.length).toBe(expected.length);
    expect(got?.sha256).toBe(sha256(expected));
    expect(result.messageBytes).toBe(expected.length);
    expect(result.response).toBe(`250 ${got?.reply}`);
  });

  it('as a Readable stream in odd-sized chunks arrives byte-exact', async () => {
    const { server, conn } = await setup();
    const stream = Readable.from(chunksOf(Buffer.from(text, 'latin1'), 65_521));
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, stream);
    await conn.quit();
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]?.bytes.length).toBe(expected.length);
    expect(server.messages[0]?.sha256).toBe(sha256(expected));
    expect(result.accepted).toEqual(['b@example.com']);
    expect(result.messageBytes).toBe(expected.length);
  });

  it('as a stream over STARTTLS with AUTH arrives byte-exact (backpressure through the TLS socket)', async () => {
    peer = await startSmtpServerPeer({ users: { u: 'p' } });
    const conn = new SmtpConnection({
      host: '127.0.0.1',
      port: peer.port,
      security: 'starttls',
      tls: { ca: TEST_CERTIFICATE },
      auth: { user: 'u', pass: 'p' },
      clientName: 'client.test',
      timeouts: { connectMs: 5_000, greetingMs: 5_000, commandMs: 5_000, dataMs: 15_000 },
    });
    open.push(conn);
    await conn.open();
    await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, Readable.from(chunksOf(Buffer.from(text, 'latin1'), 16_411)));
    await conn.quit();
    expect(peer.messages[0]?.secure).toBe(true);
    expect(peer.messages[0]?.user).toBe('u');
    expect(peer.messages[0]?.sha256).toBe(sha256(expected));
  });

  // SendResult.messageBytes is the content after CRLF normalisation, before dot-stuffing, for streams too.
  it('messageBytes of a streamed body counts the bytes after CRLF normalisation', async () => {
    const { server, conn } = await setup();
    const input = 'Subject: lf\n\nline one\nline two\n';
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, Readable.from([Buffer.from(input)]));
    await conn.quit();
    expect(server.messages[0]?.bytes.length).toBe(expectedWire(input).length);
    expect(result.messageBytes).toBe(expectedWire(input).length);
  });
});

describe('abort', () => {
  it('aborted while the body streams: EABORT, and the server has no complete message', async () => {
    const { server, conn } = await setup();
    const controller = new AbortController();
    const chunk = Buffer.from(`${'z'.repeat(1000)}\r\n`.repeat(64));
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from('Subject: aborted\r\n\r\n');
      yield chunk;
      // Abort only once the server is provably inside DATA and has part of the body.
      await server.waitForDataBytes(chunk.length);
      controller.abort();
      for (let i = 0; i < 100; i += 1) yield chunk;
    }
    const error = await (async () => {
      try {
        await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, Readable.from(body()), { signal: controller.signal });
      } catch (e) {
        return e;
      }
      throw new Error('expected EABORT');
    })();
    expect(SmtpError.is(error)).toBe(true);
    expect((error as SmtpError).code).toBe('EABORT');
    expect((error as SmtpError).delivery).toBe('none');
    expect(sessionHooks(conn).usable).toBe(false); // a half-sent message can only be abandoned with the connection

    await server.waitForClosed(1);
    expect(server.dataStarted).toHaveLength(1);
    expect(server.messages).toEqual([]);
    expect(server.incomplete).toHaveLength(1);
    expect(server.incomplete[0]?.bytes).toBeLessThan(chunk.length * 101);
  });

  it('an already aborted signal: EABORT and the server sees no MAIL', async () => {
    const { server, conn } = await setup();
    const error = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'Subject: x\r\n\r\ny\r\n', { signal: AbortSignal.abort() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as SmtpError | undefined)?.code).toBe('EABORT');
    await conn.quit();
    expect(server.mails).toEqual([]);
  });
});
