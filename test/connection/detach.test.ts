/**
 * sessionHooks(conn).detach(): the bench's message pump takes an open session's socket. The session's own
 * listeners and timers leave it, bytes read past the last reply come with it, the session is closed without
 * touching the socket, and a session that is not idle refuses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import { setReadSink } from '../../src/tls/direct-reads.js';
import { scriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const connection = (port: number): SmtpConnection => new SmtpConnection({ host: '127.0.0.1', port, security: 'none', clientName: 'client.test' });

describe('sessionHooks(conn).detach()', () => {
  it('hands over the socket, its capabilities and the bytes of an unfinished line; the session lets go of it', async () => {
    server = await scriptedServer([
      { s: '220 mx.test ready' },
      { c: 'EHLO client.test' },
      // The EHLO reply and the start of a line nobody asked for, in one write.
      { raw: '250-mx.test\r\n250 PIPELINING\r\n250 ear' },
      { c: 'NOOP' },
      { s: '250 done' },
    ]);
    const conn = await connection(server.port).open();
    // Node's own 'end' handler (onReadableStreamEnd) and the connector's 'error' guard stay; the session's go.
    const listening = (socket: NodeJS.EventEmitter): number =>
      ['data', 'close', 'end', 'error'].reduce((n, e) => n + socket.listeners(e).filter((f) => f.name !== 'onReadableStreamEnd' && f.name !== 'onError').length, 0);
    const { socket, buffered, capabilities } = sessionHooks(conn).detach();
    expect(capabilities.pipelining).toBe(true);
    expect(buffered?.toString('latin1')).toBe('250 ear');
    expect(listening(socket)).toBe(0);
    expect(conn.state).toBe('closed');
    expect(sessionHooks(conn).usable).toBe(false);
    conn.close(); // a no-op now: the socket belongs to the new owner
    await conn.quit();
    expect(socket.destroyed).toBe(false);
    await expect(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'x\r\n')).rejects.toMatchObject({ code: 'ECLOSED' });
    // The new owner reads and writes the socket itself.
    const reply = new Promise<string>((resolve) => {
      const read = (chunk: Buffer): void => resolve(chunk.toString('latin1'));
      if (!setReadSink(socket, read)) socket.once('data', read); // a plain socket reads through onread
    });
    socket.write('NOOP\r\n');
    expect(await reply).toContain('250 done');
    socket.destroy();
    expect(server.errors).toEqual([]);
  });

  it('refuses while a transaction is in flight', async () => {
    server = await scriptedServer([{ s: '220 mx.test ready' }, { c: 'EHLO client.test' }, { s: '250 mx.test' }, { c: 'MAIL FROM:<a@example.com>' }, { hang: true }]);
    const conn = await connection(server.port).open();
    const sending = conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'x\r\n');
    sending.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(() => sessionHooks(conn).detach()).toThrow(/idle/);
    conn.close();
    await expect(sending).rejects.toBeDefined();
  });
});
