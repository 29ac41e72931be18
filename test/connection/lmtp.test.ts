/**
 * LMTP (RFC 2033): LHLO, and one reply per accepted recipient after the message. Exact wire checks with a
 * scripted server, then smtp-server's own LMTP mode (an independent implementation) over a Unix socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { SmtpConnection } from '../../src/connection/smtp-connection.js';
import { createTransport } from '../../src/transport/transport.js';
import { pipelinedToDot, scriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { rejection } from '../helpers/expect-error.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function scripted(...scripts: Step[][]): Promise<ScriptedServer> {
  const server = await scriptedServer(...scripts);
  servers.push(server);
  return server;
}

const CLIENT = 'client.test';
const MAIL = 'MAIL FROM:<a@example.com>';
const lhlo = (caps: string[]): Step[] => {
  const lines = ['lmtp.test', ...caps];
  return [{ s: '220 lmtp.test LMTP ready' }, { c: `LHLO ${CLIENT}` }, ...lines.map((l, i) => ({ s: `250${i === lines.length - 1 ? ' ' : '-'}${l}` }))];
};
const body = { raw: 'Subject: t\r\n\r\nhello\r\n' };

async function lmtpConnection(port: number): Promise<SmtpConnection> {
  const conn = new SmtpConnection({ host: '127.0.0.1', port, security: 'none', protocol: 'lmtp', clientName: CLIENT });
  await conn.open();
  return conn;
}

describe('LMTP transactions (scripted)', () => {
  it('one reply per accepted recipient after the dot: partial failure resolves, refusals listed with their reasons', async () => {
    const server = await scripted([
      ...lhlo(['PIPELINING', 'ENHANCEDSTATUSCODES', 'CHUNKING']),
      { c: 'MAIL FROM:<a@example.com>' },
      { c: 'RCPT TO:<one@example.com>' },
      { c: 'RCPT TO:<nobody@example.com>' },
      { c: 'RCPT TO:<full@example.com>' },
      { c: 'DATA' },
      { s: '250 2.1.0 ok' },
      { s: '250 2.1.5 ok' },
      { s: '550 5.1.1 <nobody@example.com> User doesn\'t exist' },
      { s: '250 2.1.5 ok' },
      { s: '354 go' },
      { data: true },
      { s: '250 2.0.0 <one@example.com> Saved' },
      { s: '452 4.2.2 <full@example.com> Mailbox is full' },
      { c: 'QUIT' },
      { s: '221 bye' },
    ]);
    const conn = await lmtpConnection(server.port);
    const result = await conn.send({ from: 'a@example.com', to: ['one@example.com', 'nobody@example.com', 'full@example.com'] }, body.raw);
    await conn.quit();
    expect(result.accepted).toEqual(['one@example.com']);
    expect(result.rejected).toEqual([
      { address: 'nobody@example.com', code: 550, enhancedCode: '5.1.1', message: "<nobody@example.com> User doesn't exist" },
      { address: 'full@example.com', code: 452, enhancedCode: '4.2.2', message: '<full@example.com> Mailbox is full' },
    ]);
    expect(result.method).toBe('DATA'); // CHUNKING offered, not used with LMTP
    expect(result.replyCode).toBe(250);
    expect(server.errors).toEqual([]);
    expect(server.received[0]).not.toContain('EHLO');
  });

  it('every recipient refused after the dot: EENVELOPE with each refusal, nothing delivered, the session stays usable', async () => {
    const server = await scripted([
      ...lhlo(['PIPELINING']),
      ...pipelinedToDot(MAIL, ['x@example.com', 'y@example.com']),
      { s: '452 4.2.2 <x@example.com> Mailbox is full' },
      { s: '552 5.2.2 <y@example.com> Quota exceeded' },
      { c: 'NOOP' },
      { s: '250 ok' },
    ]);
    const conn = await lmtpConnection(server.port);
    const error = await rejection(conn.send({ from: 'a@example.com', to: ['x@example.com', 'y@example.com'] }, body.raw));
    expect(error).toMatchObject({ code: 'EENVELOPE', phase: 'data', delivery: 'none', replyCode: 452 });
    expect((error as unknown as { rejected: unknown[] }).rejected).toEqual([
      { address: 'x@example.com', code: 452, enhancedCode: '4.2.2', message: '<x@example.com> Mailbox is full' },
      { address: 'y@example.com', code: 552, enhancedCode: '5.2.2', message: '<y@example.com> Quota exceeded' },
    ]);
    await conn.noop();
    conn.close();
    expect(server.errors).toEqual([]);
  });

  it('two messages pipelined on one connection: each gets its own per-recipient replies', async () => {
    const server = await scripted([
      ...lhlo(['PIPELINING']),
      ...pipelinedToDot(MAIL, ['p@example.com', 'q@example.com']),
      // The second envelope follows the first dot before its replies (PIPELINING allows it).
      { c: 'MAIL FROM:<a@example.com>' },
      { c: 'RCPT TO:<r@example.com>' },
      { c: 'DATA' },
      { s: '250 first-p' },
      { s: '550 first-q refused' },
      { s: '250 ok' },
      { s: '250 ok' },
      { s: '354 go' },
      { data: true },
      { s: '250 second-r' },
    ]);
    const conn = await lmtpConnection(server.port);
    const [first, second] = await Promise.all([
      conn.send({ from: 'a@example.com', to: ['p@example.com', 'q@example.com'] }, body.raw),
      conn.send({ from: 'a@example.com', to: ['r@example.com'] }, body.raw),
    ]);
    conn.close();
    expect(first.accepted).toEqual(['p@example.com']);
    expect(first.rejected).toEqual([{ address: 'q@example.com', code: 550, message: 'first-q refused' }]);
    expect(second).toMatchObject({ accepted: ['r@example.com'], rejected: [], response: '250 second-r' });
    expect(server.errors).toEqual([]);
  });

  it('without PIPELINING the next message waits for every reply of the previous one', async () => {
    const server = await scripted([
      ...lhlo([]),
      { c: 'MAIL FROM:<a@example.com>' },
      { s: '250 ok' },
      { c: 'RCPT TO:<p@example.com>' },
      { s: '250 ok' },
      { c: 'RCPT TO:<q@example.com>' },
      { s: '250 ok' },
      { c: 'DATA' },
      { s: '354 go' },
      { data: true },
      { s: '250 p' },
      { waitMs: 30 },
      { s: '250 q' },
      { c: 'MAIL FROM:<a@example.com>' },
      { s: '250 ok' },
      { c: 'RCPT TO:<r@example.com>' },
      { s: '250 ok' },
      { c: 'DATA' },
      { s: '354 go' },
      { data: true },
      { s: '250 r' },
    ]);
    const conn = await lmtpConnection(server.port);
    const results = await Promise.all([
      conn.send({ from: 'a@example.com', to: ['p@example.com', 'q@example.com'] }, body.raw),
      conn.send({ from: 'a@example.com', to: ['r@example.com'] }, body.raw),
    ]);
    conn.close();
    expect(results.map((r) => r.accepted)).toEqual([['p@example.com', 'q@example.com'], ['r@example.com']]);
    expect(server.errors).toEqual([]);
  });

  it('the connection dies between two recipient replies: delivery unknown, the one already answered is named', async () => {
    const server = await scripted([
      ...lhlo(['PIPELINING']),
      ...pipelinedToDot(MAIL, ['p@example.com', 'q@example.com']),
      { s: '250 p saved' },
      { close: true },
    ]);
    const conn = await lmtpConnection(server.port);
    const error = await rejection(conn.send({ from: 'a@example.com', to: ['p@example.com', 'q@example.com'] }, body.raw));
    expect(error).toMatchObject({ phase: 'data', delivery: 'unknown' });
    expect((error as unknown as { accepted: string[] }).accepted).toEqual(['p@example.com']);
    conn.close();
  });

  it('a refused LHLO is EPROTOCOL, with no HELO fallback', async () => {
    const server = await scripted([{ s: '220 x LMTP' }, { c: `LHLO ${CLIENT}` }, { s: '500 what' }, { c: 'QUIT' }, { s: '221 bye' }]);
    const conn = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'none', protocol: 'lmtp', clientName: CLIENT });
    const error = await rejection(conn.open());
    expect(error).toMatchObject({ code: 'EPROTOCOL', phase: 'ehlo' });
    expect(error.message).toContain('LHLO was refused');
    await conn.quit();
    expect(server.received[0]).not.toContain('HELO');
  });

  it('LMTP needs a port or a socket path; a bad protocol is ECONFIG', () => {
    expect(() => new SmtpConnection({ host: 'h.example', protocol: 'lmtp' })).toThrow(/no default port/);
    expect(() => createTransport({ host: 'h.example', protocol: 'lmtp' })).toThrow(/no default port/);
    expect(() => createTransport({ host: 'h.example', protocol: 'lmtp' as never, port: 24, socketPath: '/x', proxy: 'socks5://127.0.0.1:1' })).toThrow(/socketPath and proxy/);
    expect(() => createTransport({ socketPath: '/x', guards: { publicAddressesOnly: true } })).toThrow(/publicAddressesOnly/);
    expect(() => new SmtpConnection({ host: 'h.example', port: 24, protocol: 'xmtp' as never })).toThrow(/Unknown protocol/);
  });
});

describe("LMTP against smtp-server's LMTP mode, over a Unix socket", () => {
  it('per-recipient results from onData reach info.accepted / info.rejected; the transcript shows LHLO', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mw-lmtp-'));
    const socketPath = path.join(dir, 'lmtp.sock');
    const delivered: string[] = [];
    const server = new SMTPServer({
      lmtp: true,
      logger: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('unknown')) {
          const error = new Error('5.1.1 no such user') as Error & { responseCode?: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          const results = session.envelope.rcptTo.map((r) => {
            if (r.address.startsWith('full')) return Object.assign(new Error('4.2.2 mailbox full'), { responseCode: 452 });
            delivered.push(r.address);
            return `2.0.0 saved for ${r.address}`;
          });
          callback(null, results as never);
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const lines: string[] = [];
    const transport = createTransport({ protocol: 'lmtp', socketPath, clientName: CLIENT, retry: { attempts: 1 }, onTranscript: (e) => lines.push(`${e.dir} ${e.line}`) });
    try {
      const info = await transport.send({ from: 'a@example.com', to: ['known@example.com', 'unknown@example.com', 'full@example.com'], subject: 'hi', text: 'hello' });
      expect(info.accepted).toEqual(['known@example.com']);
      expect(info.rejected.map((r) => [r.address, r.code])).toEqual([
        ['unknown@example.com', 550],
        ['full@example.com', 452],
      ]);
      expect(info.rejected[1]?.message).toContain('mailbox full');
      expect(delivered).toEqual(['known@example.com']);
      expect(lines.join('\n')).toMatch(/LHLO client\.test/);
      expect(lines.join('\n')).toContain(`unix:${socketPath}`);
    } finally {
      await transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
