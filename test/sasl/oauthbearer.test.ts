/**
 * OAUTHBEARER (RFC 7628) byte for byte against the RFC's own examples (section 4): the initial response of
 * 4.1/4.4 and the failed SMTP exchange of 4.4 (334 JSON status, client ^A, 535), replayed by a scripted
 * server that speaks exactly the RFC's lines.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OAuthBearerMechanism } from '../../src/sasl/oauthbearer.js';
import { selectMechanism } from '../../src/sasl/select.js';
import { SmtpConnection } from '../../src/connection/smtp-connection.js';
import { isTokenRejection } from '../../src/connection/auth-exchange.js';
import { scriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { rejection } from '../helpers/expect-error.js';

// RFC 7628 section 4.4 (SMTP Example of a Failed Negotiation).
const RFC_TOKEN = 'vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==';
const RFC_IR = 'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2c9PQEB';
const RFC_ERROR = 'eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZXhhbXBsZS5jb20vIn0=';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('OAUTHBEARER mechanism', () => {
  it('builds the GS2 header and key/value fields of RFC 7628 section 4.4', async () => {
    const m = new OAuthBearerMechanism({ user: 'user@example.com', accessToken: RFC_TOKEN }, { host: 'server.example.com', port: 587 });
    expect(m.name).toBe('OAUTHBEARER');
    const ir = await m.start();
    expect(ir.toString('latin1')).toBe(`n,a=user@example.com,\x01host=server.example.com\x01port=587\x01auth=Bearer ${RFC_TOKEN}\x01\x01`);
    expect(ir.toString('base64')).toBe(RFC_IR);
  });

  it('answers the JSON error challenge with a single ^A and keeps a summary', async () => {
    const m = new OAuthBearerMechanism({ user: 'u', accessToken: 'token-value' });
    await m.start();
    expect(m.tokenRejected).toBe(false);
    const reply = await m.next(Buffer.from(RFC_ERROR, 'base64'));
    expect(reply.toString('base64')).toBe('AQ==');
    expect(m.tokenRejected).toBe(true);
    expect(m.failureDetail).toBe('status=401, schemes=bearer, scope=https://mail.example.com/');
    expect((await rejection(m.next(Buffer.from('{}')))).code).toBe('EAUTH');
  });

  it('escapes , and = in the user name (GS2 saslname) and refuses control characters', async () => {
    const m = new OAuthBearerMechanism({ user: 'a,b=c', accessToken: 't' });
    expect((await m.start()).toString()).toBe('n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01');
    expect((await rejection(() => new OAuthBearerMechanism({ user: 'u\x01x', accessToken: 't' }))).code).toBe('EGUARD');
    expect((await rejection(() => new OAuthBearerMechanism({ user: 'u' }))).code).toBe('ECONFIG');
  });

  it('calls getAccessToken with { refresh: false } once per attempt', async () => {
    const calls: unknown[] = [];
    const m = new OAuthBearerMechanism({ user: 'u', getAccessToken: async (request) => (calls.push(request), 'tok') });
    await m.start();
    expect(calls).toEqual([{ refresh: false }]);
  });
});

describe('auto picks the bearer mechanism', () => {
  const base = { method: 'auto' as const, secure: true, loopback: false, allowInsecureAuth: false };
  const creds = { user: 'u', getAccessToken: async () => 't' };
  it('OAUTHBEARER when offered, else XOAUTH2; never a password mechanism', () => {
    expect(selectMechanism({ ...base, offered: ['PLAIN', 'XOAUTH2', 'OAUTHBEARER'], credentials: creds }).name).toBe('OAUTHBEARER');
    expect(selectMechanism({ ...base, offered: ['PLAIN', 'XOAUTH2'], credentials: creds }).name).toBe('XOAUTH2');
    expect(() => selectMechanism({ ...base, offered: ['PLAIN'], credentials: creds })).toThrow(/neither OAUTHBEARER nor XOAUTH2/);
    // Without a token source, a server offering only OAUTHBEARER is explained, not guessed at.
    expect(() => selectMechanism({ ...base, offered: ['OAUTHBEARER'], credentials: { user: 'u', pass: 'p' } })).toThrow(/auth.oauth2/);
  });
  it('explicit oauthbearer follows the cleartext policy of XOAUTH2', () => {
    expect(() => selectMechanism({ ...base, secure: false, method: 'oauthbearer', offered: ['OAUTHBEARER'], credentials: creds })).toThrow(/access token in clear text/);
  });
});

describe('OAUTHBEARER over the wire (RFC 7628 section 4.4, byte for byte)', () => {
  it('replays the failed negotiation: 334 JSON status, AQ==, 535; EAUTH marked as a token rejection', async () => {
    server = await scriptedServer([
      { s: '220 mx.example.com ESMTP 12sm2095603fks.9' },
      { c: 'EHLO sender.example.com' },
      { s: '250-mx.example.com at your service,[172.31.135.47]' },
      { s: '250-SIZE 35651584' },
      { s: '250-8BITMIME' },
      { s: '250-AUTH LOGIN PLAIN OAUTHBEARER' },
      { s: '250-ENHANCEDSTATUSCODES' },
      { s: '250 PIPELINING' },
      // The RFC's example shows "t1 AUTH ..." (an IMAP tag left in by mistake, erratum 4545); SMTP has no tag.
      { c: `AUTH OAUTHBEARER ${RFC_IR}` },
      { s: `334 ${RFC_ERROR}` },
      { c: 'AQ==' },
      { s: '535-5.7.8 Username and Password not accepted. Learn more at' },
      { s: '535 5.7.8 http://support.example.com/mail/oauth' },
      { hang: true },
    ]);
    const port = server.port;
    const conn = new SmtpConnection({
      host: 'server.example.com',
      port: 587,
      security: 'none',
      allowInsecureAuth: true,
      clientName: 'sender.example.com',
      auth: { user: 'user@example.com', accessToken: RFC_TOKEN },
      timeouts: { greetingMs: 2_000, commandMs: 2_000 },
      // The session believes it talks to server.example.com:587 (host= and port= say so); the socket stays on loopback.
      connector: async () => {
        const socket = net.connect(port, '127.0.0.1');
        await new Promise((r) => socket.once('connect', r));
        return { stream: socket, encrypted: false };
      },
    });
    const error = await rejection(conn.open());
    conn.close();
    expect(server.errors).toEqual([]);
    expect(error.code).toBe('EAUTH');
    expect(error.replyCode).toBe(535);
    expect(error.message).toContain('[status=401, schemes=bearer, scope=https://mail.example.com/]');
    expect(isTokenRejection(error)).toBe(true);
    expect(JSON.stringify(error) + error.message).not.toContain(RFC_TOKEN);
  });

  it('succeeds with 235 and no error marker', async () => {
    server = await scriptedServer([
      { s: '220 mx.test ESMTP' },
      { c: 'EHLO c.test' },
      { s: '250-mx.test' },
      { s: '250 AUTH OAUTHBEARER XOAUTH2' },
      { c: /^AUTH OAUTHBEARER [A-Za-z0-9+/=]+$/ },
      { s: '235 2.7.0 Accepted' },
      { c: 'QUIT' },
      { s: '221 bye' },
    ]);
    const conn = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'none', clientName: 'c.test', auth: { user: 'u', accessToken: 'tok' } });
    await conn.open();
    expect(conn.authMethod).toBe('OAUTHBEARER');
    await conn.quit();
    const line = server.received[0]?.split('\r\n').find((l) => l.startsWith('AUTH')) ?? '';
    expect(Buffer.from(line.split(' ')[2] ?? '', 'base64').toString()).toBe(`n,a=u,\x01host=127.0.0.1\x01port=${server.port}\x01auth=Bearer tok\x01\x01`);
  });
});
