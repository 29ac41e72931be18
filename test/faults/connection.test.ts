/**
 * Faults seen from one SmtpConnection, where the transport's retries would hide the details: a 421 ends
 * the session at once even when the server keeps the socket open, nothing the server says after its 421
 * is believed, and a good final reply followed by junk in the same packet is never reported as 'none'.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import { scriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { NAME, failureOf, opening } from './harness.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function open(script: Step[]): Promise<SmtpConnection> {
  server = await scriptedServer(script);
  const conn = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'none', clientName: NAME, timeouts: { greetingMs: 2_000, commandMs: 2_000, dataMs: 2_000 } });
  await conn.open();
  return conn;
}

const envelope: Step[] = [{ c: /^MAIL FROM:<a@example\.com>/ }, { c: 'RCPT TO:<b@example.com>' }, { c: 'DATA' }];
const send = (conn: SmtpConnection): Promise<unknown> => conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'Subject: x\r\n\r\nbody\r\n');

describe('421 on a single connection', () => {
  it('ends the session at once, even when the server leaves the socket open: broken, not reusable, nothing more written', async () => {
    const conn = await open([...opening(), ...envelope, { s: '421 4.3.2 shutting down' }, { hang: true }]);
    const error = await failureOf(send(conn));
    expect(error.toJSON()).toMatchObject({ code: 'ECONNECTION', replyCode: 421, transient: true, delivery: 'none' });
    expect(conn.state).toBe('broken');
    expect(sessionHooks(conn).usable).toBe(false);
    await expect(conn.noop()).rejects.toMatchObject({ code: 'ECONNECTION', replyCode: 421 });
    await new Promise((r) => setTimeout(r, 50));
    // No RSET, no QUIT, no body: the session was over the moment the 421 arrived.
    expect(server?.received[0]).toBe(`EHLO ${NAME}\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n`);
  });

  it('believes nothing the server says after its 421, even replies that would complete the transaction', async () => {
    const conn = await open([...opening(), ...envelope, { raw: '250 2.1.0 ok\r\n421 4.3.2 bye\r\n250 2.1.5 ok\r\n354 go\r\n' }, { hang: true }]);
    const error = await failureOf(send(conn));
    expect(error.replyCode).toBe(421);
    expect(server?.bodies).toHaveLength(0);
    expect(server?.received[0]).not.toContain('body');
  });

  it('a 421 to a single command (NOOP) is ECONNECTION too', async () => {
    const conn = await open([...opening(), { c: 'NOOP' }, { s: '421 4.4.2 idle too long' }, { hang: true }]);
    const error = await failureOf(conn.noop());
    expect(error.toJSON()).toMatchObject({ code: 'ECONNECTION', replyCode: 421 });
    expect(sessionHooks(conn).usable).toBe(false);
  });
});

describe('a good reply and junk in the same packet', () => {
  it('after the final dot: the 250 before the junk counts (delivered), then the session is broken', async () => {
    const conn = await open([...opening(), ...envelope, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, { raw: '250 2.0.0 queued as Q\r\n*** junk ***\r\n' }, { hang: true }]);
    // The 250 was whole and well-formed before the junk: the server took the message, whatever the packets.
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'Subject: x\r\n\r\nbody\r\n');
    expect(result.response).toBe('250 2.0.0 queued as Q');
    expect(conn.state).toBe('broken');
    await expect(conn.noop()).rejects.toMatchObject({ code: 'EPROTOCOL' });
    expect(server?.bodies).toHaveLength(1);
  });
});
