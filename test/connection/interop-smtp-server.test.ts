/**
 * SmtpConnection against smtp-server, an independent implementation: TLS (STARTTLS, implicit, opportunistic),
 * a 421 greeting, and every AUTH mechanism both sides share. Each case asserts what the SERVER saw, not only
 * what the client reports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import type { TranscriptEntry } from '../../src/connection/transcript.js';
import { SmtpError } from '../../src/errors.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { recordingConnector, sha256, startSmtpServerPeer, type PeerOptions, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { rejection as failure } from '../helpers/expect-error.js';

const USER = 'alice@example.com';
const PASS = 'correct horse battery staple';
const TOKEN = 'ya29.token-that-must-never-leak';
const MESSAGE = 'Subject: interop\r\n\r\nHello from mailwire.\r\n';

let peer: SmtpServerPeer | undefined;
const open: SmtpConnection[] = [];
afterEach(async () => {
  for (const conn of open.splice(0)) conn.close();
  await peer?.close();
  peer = undefined;
});

async function start(options: PeerOptions): Promise<SmtpServerPeer> {
  peer = await startSmtpServerPeer(options);
  return peer;
}

function connection(server: SmtpServerPeer, options: Partial<ConnectionOptions>): SmtpConnection {
  const conn = new SmtpConnection({
    host: '127.0.0.1',
    port: server.port,
    clientName: 'client.test',
    tls: { ca: TEST_CERTIFICATE },
    timeouts: { connectMs: 5_000, greetingMs: 5_000, commandMs: 5_000, dataMs: 5_000 },
    ...options,
  });
  open.push(conn);
  return conn;
}


/** Delivers one message and checks the server got it byte for byte. */
async function deliverOne(conn: SmtpConnection, server: SmtpServerPeer): Promise<void> {
  const result = await conn.send({ from: 'sender@example.com', to: ['rcpt@example.com'] }, MESSAGE);
  expect(result.accepted).toEqual(['rcpt@example.com']);
  expect(result.method).toBe('DATA');
  const message = server.messages.at(-1);
  expect(message?.sha256).toBe(sha256(MESSAGE));
  expect(result.response).toBe(`250 ${message?.reply}`);
}

describe('TLS against smtp-server', () => {
  it('STARTTLS: the session is TLS 1.2+ before MAIL, and the certificate was verified', async () => {
    const server = await start({});
    const conn = connection(server, { security: 'starttls' });
    await conn.open();
    expect(conn.secure).toBe(true);
    expect(conn.tlsInfo?.authorized).toBe(true);
    const protocol = conn.tlsInfo?.protocol;
    expect(['TLSv1.2', 'TLSv1.3']).toContain(protocol);
    // RFC 3207: the pre-TLS capabilities were thrown away and learned again (STARTTLS is no longer offered).
    expect(sessionHooks(conn).plaintextCapabilities?.starttls).toBe(true);
    expect(conn.capabilities?.starttls).toBe(false);
    await deliverOne(conn, server);
    await conn.quit();

    expect(server.mails).toHaveLength(1);
    expect(server.mails[0]?.secure).toBe(true);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(server.mails[0]?.tlsVersion);
    expect(server.mails[0]?.tlsVersion).toBe(protocol);
    expect(server.messages[0]?.secure).toBe(true);
    expect(server.messages[0]?.from).toBe('sender@example.com');
    expect(server.messages[0]?.to).toEqual(['rcpt@example.com']);
  });

  it('implicit TLS (smtp-server secure: true): encrypted from the first byte', async () => {
    const server = await start({ implicitTls: true });
    const conn = connection(server, { security: 'tls' });
    await conn.open();
    expect(conn.secure).toBe(true);
    expect(conn.tlsInfo?.authorized).toBe(true);
    expect(sessionHooks(conn).plaintextCapabilities).toBeUndefined(); // there never was a plaintext phase
    await deliverOne(conn, server);
    await conn.quit();
    expect(server.mails[0]?.secure).toBe(true);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(server.mails[0]?.tlsVersion);
  });

  it('sends SNI for a host name while connecting to a pinned address, and none for an IP literal', async () => {
    const server = await start({ implicitTls: true });
    const named = connection(server, { security: 'tls', host: 'localhost', address: '127.0.0.1' });
    await named.open();
    await deliverOne(named, server);
    await named.quit();
    const literal = connection(server, { security: 'tls' });
    await literal.open();
    await deliverOne(literal, server);
    await literal.quit();
    expect(server.mails.map((m) => m.servername)).toEqual(['localhost', undefined]);
  });

  it("'opportunistic' upgrades when STARTTLS is offered and stays in plaintext when it is not", async () => {
    const server = await start({});
    const upgraded = connection(server, { security: 'opportunistic' });
    await upgraded.open();
    await deliverOne(upgraded, server);
    await upgraded.quit();
    await peer?.close();
    const plain = await start({ noStartTls: true });
    const stayed = connection(plain, { security: 'opportunistic' });
    await stayed.open();
    expect(stayed.secure).toBe(false);
    await deliverOne(stayed, plain);
    await stayed.quit();
    expect(server.mails.map((m) => m.secure)).toEqual([true]);
    expect(plain.mails.map((m) => m.secure)).toEqual([false]);
  });

  it("a 421 greeting (smtp-server's maxClients) is a transient ECONNECTION", async () => {
    const server = await start({ noStartTls: true, server: { maxClients: 1 } });
    const first = connection(server, { security: 'none' });
    await first.open();
    const second = connection(server, { security: 'none' });
    const error = await failure(second.open());
    expect(error.code).toBe('ECONNECTION');
    expect(error.phase).toBe('greeting');
    expect(error.replyCode).toBe(421);
    expect(error.transient).toBe(true);
    expect(sessionHooks(second).usable).toBe(false);
    await deliverOne(first, server); // the first session is unaffected
    await first.quit();
  });

  it('refuses implicit TLS without the test CA (verification is on by default)', async () => {
    const server = await start({ implicitTls: true });
    const conn = connection(server, { security: 'tls', tls: {} });
    const error = await failure(conn.open());
    expect(error.code).toBe('ETLS');
    expect(server.mails).toHaveLength(0);
  });

  it('refuses STARTTLS with TLS capped below the minimum it requires (no silent downgrade)', async () => {
    const server = await start({ server: { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' } });
    const conn = connection(server, { security: 'starttls' });
    const error = await failure(conn.open());
    expect(error.code).toBe('ETLS');
    expect(error.phase).toBe('starttls');
    expect(server.mails).toHaveLength(0);
  });
});

describe('AUTH against smtp-server', () => {
  const users = { [USER]: PASS };
  const tokens = { [USER]: TOKEN };
  const all = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'];

  it.each([
    ['plain', 'PLAIN'],
    ['login', 'LOGIN'],
    ['cram-md5', 'CRAM-MD5'],
  ] as const)('AUTH %s over STARTTLS: the server saw the user and the method', async (method, wire) => {
    const server = await start({ users, authMethods: all });
    const conn = connection(server, { security: 'starttls', auth: { user: USER, pass: PASS, method } });
    await conn.open();
    expect(conn.authMethod).toBe(wire);
    expect(conn.authenticatedAs).toBe(USER);
    await deliverOne(conn, server);
    await conn.quit();
    expect(server.auths).toEqual([{ sessionId: expect.any(String), method: wire, username: USER, ok: true, secure: true }]);
    expect(server.mails[0]?.user).toBe(USER);
    expect(server.messages[0]?.user).toBe(USER);
  });

  it('XOAUTH2 with a static access token', async () => {
    const server = await start({ tokens, authMethods: all });
    const conn = connection(server, { security: 'starttls', auth: { user: USER, accessToken: TOKEN, method: 'xoauth2' } });
    await conn.open();
    expect(conn.authMethod).toBe('XOAUTH2');
    await deliverOne(conn, server);
    await conn.quit();
    expect(server.auths).toMatchObject([{ method: 'XOAUTH2', username: USER, ok: true, secure: true }]);
  });

  it('XOAUTH2 with a token provider (called once, token reaches the server)', async () => {
    const server = await start({ tokens, authMethods: all, implicitTls: true });
    let calls = 0;
    const getAccessToken = async (): Promise<string> => {
      calls += 1;
      return TOKEN;
    };
    const conn = connection(server, { security: 'tls', auth: { user: USER, getAccessToken } });
    await conn.open();
    expect(conn.authMethod).toBe('XOAUTH2'); // 'auto' with a token provider means XOAUTH2
    expect(calls).toBe(1);
    await deliverOne(conn, server);
    await conn.quit();
    expect(server.auths).toMatchObject([{ method: 'XOAUTH2', username: USER, ok: true }]);
  });

  it("'auto' picks PLAIN over TLS when PLAIN, LOGIN and CRAM-MD5 are offered", async () => {
    const server = await start({ users, authMethods: ['LOGIN', 'CRAM-MD5', 'PLAIN'] });
    const conn = connection(server, { security: 'starttls', auth: { user: USER, pass: PASS } });
    await conn.open();
    await deliverOne(conn, server);
    await conn.quit();
    expect(server.auths).toMatchObject([{ method: 'PLAIN', username: USER, ok: true }]);
  });

  it("'auto' picks CRAM-MD5 on a plaintext session, keeping the password off the wire", async () => {
    const server = await start({ users, authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'], noStartTls: true, server: { allowInsecureAuth: true } });
    const { connector, writes } = recordingConnector();
    const conn = connection(server, { security: 'none', auth: { user: USER, pass: PASS }, connector });
    await conn.open();
    expect(conn.authMethod).toBe('CRAM-MD5');
    await deliverOne(conn, server);
    await conn.quit();
    expect(server.auths).toMatchObject([{ method: 'CRAM-MD5', username: USER, ok: true, secure: false }]);
    // Everything the client wrote, in clear: the password is not there in any form.
    const wire = Buffer.concat(writes).toString('latin1');
    expect(wire).toContain('AUTH CRAM-MD5');
    for (const secret of [PASS, Buffer.from(PASS).toString('base64'), Buffer.from(`\0${USER}\0${PASS}`).toString('base64')]) {
      expect(wire).not.toContain(secret);
    }
  });

  describe('a refused login is EAUTH with the server reply and no secret anywhere', () => {
    const secrets = (user: string, secret: string): string[] => [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(`\0${user}\0${secret}`).toString('base64'), // PLAIN initial response
      Buffer.from(`user=${user}\x01auth=Bearer ${secret}\x01\x01`).toString('base64'), // XOAUTH2
    ];

    it.each([
      ['plain', 'PLAIN'],
      ['login', 'LOGIN'],
      ['cram-md5', 'CRAM-MD5'],
    ] as const)('%s with a wrong password', async (method, wire) => {
      const wrong = 'wrong-password-4711';
      const server = await start({ users, authMethods: all });
      const transcript: TranscriptEntry[] = [];
      const conn = connection(server, {
        security: 'starttls',
        auth: { user: USER, pass: wrong, method },
        onTranscript: (entry) => transcript.push(entry),
      });
      const error = await failure(conn.open());
      expect(error.code).toBe('EAUTH');
      expect(error.phase).toBe('auth');
      expect(error.replyCode).toBe(535);
      expect(error.transient).toBe(false);
      expect(error.delivery).toBe('none');
      expect(server.auths).toMatchObject([{ method: wire, username: USER, ok: false }]);
      expect(server.mails).toHaveLength(0);
      const everything = [JSON.stringify(error), error.message, error.stack ?? '', String(error.response), String(error.command),
        JSON.stringify(transcript)].join('\n');
      expect(everything).toContain('535'); // the server's words are there; only the secret is not
      for (const secret of secrets(USER, wrong)) expect(everything).not.toContain(secret);
    });

    it('xoauth2 with a refused token (the 334 JSON error is answered, then 535)', async () => {
      const wrong = 'ya29.expired-token-0815';
      const server = await start({ tokens, authMethods: all });
      const transcript: TranscriptEntry[] = [];
      const conn = connection(server, {
        security: 'starttls',
        auth: { user: USER, accessToken: wrong },
        onTranscript: (entry) => transcript.push(entry),
      });
      const error = await failure(conn.open());
      expect(error.code).toBe('EAUTH');
      expect(error.replyCode).toBe(535);
      expect(server.auths).toMatchObject([{ method: 'XOAUTH2', username: USER, ok: false }]);
      const everything = [JSON.stringify(error), error.message, error.stack ?? '', JSON.stringify(transcript)].join('\n');
      for (const secret of secrets(USER, wrong)) expect(everything).not.toContain(secret);
    });
  });
});
