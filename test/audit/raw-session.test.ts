import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RawSession, showWritten } from '../../src/audit/raw-session.js';
import { fakeServer } from './fake-server.js';

describe('audit: raw session', () => {
  it('puts bare CR and LF on the wire as given, and shows them in the transcript', async () => {
    let received = '';
    const server = net.createServer((socket) => {
      socket.write('220 hi\r\n');
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (received.endsWith('\r\n')) socket.write('250 ok\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const transcript: string[] = [];
    const session = await RawSession.open({ host: '127.0.0.1', port, implicitTls: false, tls: {}, timeoutMs: 2000 }, transcript);
    session.write('a\n.\nb\r.\rc\0\r\n');
    expect((await session.next())?.code).toBe(250);
    expect(received).toBe('a\n.\nb\r.\rc\0\r\n');
    expect(transcript).toEqual(['S: 220 hi', 'C: a<LF>.<LF>b<CR>.<CR>c<NUL>', 'S: 250 ok']);
    session.close();
    server.close();
  });

  it('is closed after a failed STARTTLS handshake, so nothing waits on the dead connection', async () => {
    const server = await fakeServer({});
    const session = await RawSession.open(
      { host: '127.0.0.1', port: server.port, implicitTls: false, tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, timeoutMs: 2000 },
      [],
    );
    await session.ehlo('client.test');
    expect((await session.command('STARTTLS'))?.code).toBe(220);
    await expect(session.upgrade()).rejects.toThrow(/TLS handshake failed/);
    expect(session.closed).toBe(true);
    await server.close();
  });

  it('stops listening to a server that never stops replying', async () => {
    const server = net.createServer((socket) => {
      socket.write('220 hi\r\n');
      socket.on('error', () => undefined);
      socket.once('data', () => {
        const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('250 more\r\n'.repeat(20))), 1);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const transcript: string[] = [];
    const session = await RawSession.open({ host: '127.0.0.1', port, implicitTls: false, tls: {}, timeoutMs: 2000 }, transcript);
    session.write('NOOP\r\n');
    const replies = await session.settle(500);
    expect(replies.length).toBeLessThanOrEqual(32);
    for (let i = 0; i < 200 && !session.closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(session.closed).toBe(true);
    expect(transcript.length).toBeLessThanOrEqual(402);
    session.close();
    server.close();
  });

  it('splits only at CRLF when it shows what was written', () => {
    expect(showWritten('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n')).toEqual(['C: MAIL FROM:<a@b>', 'C: RCPT TO:<c@d>']);
  });
});
