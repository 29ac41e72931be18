// mailwire against Postfix (with Dovecot SASL): every security mode and AUTH mechanism the three ports
// support, and the refusals (no STARTTLS, untrusted certificate, wrong password, AUTH before TLS). Each case
// checks what Postfix itself stored and logged: the Maildir file, its Received header, the queue entry's
// sasl_method and Postfix's per-session command counts, found by our client port.
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthMethod, Security } from '../../src/index.js';
import { removeMessages, requireServers, uniqueToken, waitForPostfix, type PostfixDelivery } from './harness.js';
import {
  authSecrets,
  expectNoSecret,
  failure,
  interopConnection,
  interopTransport,
  parseMail,
  postfixLogMark,
  postfixSession,
  queueId,
  waitForPostfixLog,
  withTransport,
} from './mailwire-client.js';

const servers = requireServers();
const { ports, auth } = servers;
const consumed: PostfixDelivery[] = [];
afterAll(() => removeMessages(consumed));

const TLS_RECEIVED = /\(using TLSv1\.[23] with cipher .*\)[\s\S]*with ESMTPSA id/;

interface Mode {
  port: number;
  security: Security;
  method?: AuthMethod;
  /** the mechanism Postfix must log (sasl_method=) */
  sasl?: 'PLAIN' | 'LOGIN';
  /** Postfix's command counts for the session, beyond mail=1 rcpt=1 bdat=1 quit=1 */
  session: Record<string, string>;
}

describe('every security mode and AUTH mechanism Postfix offers', () => {
  const modes: [string, Mode][] = [
    ['plain port, security "none"', { port: ports.postfix, security: 'none', session: { ehlo: '1' } }],
    ['plain port, security "opportunistic" (no STARTTLS offered: stays plaintext)', { port: ports.postfix, security: 'opportunistic', session: { ehlo: '1' } }],
    ['submission, STARTTLS + AUTH PLAIN', { port: ports.submission, security: 'starttls', method: 'plain', sasl: 'PLAIN', session: { ehlo: '2', starttls: '1', auth: '1' } }],
    ['submission, STARTTLS + AUTH LOGIN', { port: ports.submission, security: 'starttls', method: 'login', sasl: 'LOGIN', session: { ehlo: '2', starttls: '1', auth: '1' } }],
    ['submission, STARTTLS + AUTH auto (picks PLAIN over TLS)', { port: ports.submission, security: 'starttls', method: 'auto', sasl: 'PLAIN', session: { ehlo: '2', starttls: '1', auth: '1' } }],
    ['submission, opportunistic: upgrades because STARTTLS is offered', { port: ports.submission, security: 'opportunistic', method: 'auto', sasl: 'PLAIN', session: { ehlo: '2', starttls: '1', auth: '1' } }],
    ['smtps, implicit TLS + AUTH PLAIN', { port: ports.smtps, security: 'tls', method: 'plain', sasl: 'PLAIN', session: { ehlo: '1', auth: '1' } }],
    ['smtps, implicit TLS + AUTH LOGIN', { port: ports.smtps, security: 'tls', method: 'login', sasl: 'LOGIN', session: { ehlo: '1', auth: '1' } }],
    ['smtps, implicit TLS + AUTH auto', { port: ports.smtps, security: 'tls', method: 'auto', sasl: 'PLAIN', session: { ehlo: '1', auth: '1' } }],
  ];

  it.each(modes)('%s: delivered, and Postfix saw the TLS and the mechanism', async (label, mode) => {
    const token = uniqueToken(`pf-${label.slice(0, 24)}`);
    const from = `sender-${token}@example.com`;
    const to = `rcpt-${token}@example.org`;
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, {
      port: mode.port,
      security: mode.security,
      ...(mode.method ? { auth: { ...auth, method: mode.method } } : {}),
    });
    const info = await withTransport(client, (t) => t.send({ from, to, subject: `mode ${token}`, text: `sent with ${label}\n` }));
    const [d, ...more] = await waitForPostfix(servers, token);
    consumed.push(d!, ...more);
    expect(info.accepted).toEqual([to]);
    expect(info.rejected).toEqual([]);
    expect(more).toHaveLength(0);
    expect(d!.deliveredTo).toBe(to);
    expect(d!.returnPath).toBe(`<${from}>`);
    if (mode.sasl) expect(d!.received).toMatch(TLS_RECEIVED);
    else {
      expect(d!.received).toMatch(/with ESMTP id/);
      expect(d!.received).not.toMatch(/using TLS/);
    }
    const parsed = await parseMail(d!.message);
    expect(parsed.subject).toBe(`mode ${token}`);
    expect(parsed.text).toBe(`sent with ${label}\n`);
    expect(parsed.messageId).toBe(info.messageId);

    // The queue entry names the SASL mechanism Postfix (via Dovecot) accepted, or none.
    const [, , sasl, user] = await waitForPostfixLog(servers, new RegExp(`${queueId(info.response)}: client=\\S+(, sasl_method=(\\w+), sasl_username=(\\S+))?$`), mark);
    expect(sasl).toBe(mode.sasl);
    expect(user).toBe(mode.sasl ? auth.user : undefined);
    expect(client.record.localPorts).toHaveLength(1);
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session).toMatchObject({ ...mode.session, mail: '1', rcpt: '1', bdat: '1', quit: '1' });
  });

  const tlsModes: [string, number, Security, string][] = [
    ['submission (STARTTLS)', ports.submission, 'starttls', 'PLAIN'],
    ['smtps (implicit TLS)', ports.smtps, 'tls', 'PLAIN'],
  ];
  it.each(tlsModes)('verify() on %s: certificate verified against the test CA, AUTH done, nothing sent', async (_label, port, security, method) => {
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, { port, security, auth });
    const report = await withTransport(client, (t) => t.verify());
    expect(report).toMatchObject({ port, security, authMethod: method, tls: { authorized: true } });
    expect(report.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(report.capabilities['AUTH']).toEqual(['PLAIN', 'LOGIN']);
    expect(report.greeting).toMatch(/^220 postfix\.localhost ESMTP/);
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session).toMatchObject({ auth: '1', quit: '1' });
    expect(session['mail']).toBeUndefined();
  });
});

describe('refusals, and nothing sent when they happen', () => {
  it('security "starttls" against the plain port, whose EHLO has no STARTTLS: ETLS before anything is sent', async () => {
    const token = uniqueToken('pf-no-starttls');
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, { port: ports.postfix, security: 'starttls' });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: `r-${token}@example.org`, subject: 's', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'ETLS', phase: 'starttls', delivery: 'none', transient: false });
    expect(client.record.lines('S')).toContain('250 CHUNKING'); // the EHLO reply was read...
    expect(client.record.lines('S').join('\n')).not.toMatch(/STARTTLS/); // ...and offered no STARTTLS
    expect(client.record.lines('C')).toEqual(['EHLO client.test']);
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session).toMatchObject({ ehlo: '1' });
    expect(Object.keys(session).filter((k) => ['mail', 'rcpt', 'data', 'bdat', 'starttls', 'auth'].includes(k))).toEqual([]);
  });

  const untrusted: [string, number, Security, string][] = [
    ['submission (STARTTLS)', ports.submission, 'starttls', 'starttls'],
    ['smtps (implicit TLS)', ports.smtps, 'tls', 'connect'],
  ];
  it.each(untrusted)('%s without the test CA: ETLS, and the password never leaves', async (_label, port, security, phase) => {
    const client = interopTransport(servers, { port, security, auth, tls: {} });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'ETLS', phase, delivery: 'none' });
    expect(error.message).toMatch(/tls\.ca/);
    expect(client.record.lines('C').join('\n')).not.toMatch(/AUTH|MAIL/);
    expectNoSecret(error, authSecrets(auth.user, auth.pass));

    // The same server with verification off (this test only) connects: the failure was the trust, nothing else.
    const insecure = interopTransport(servers, { port, security, tls: { rejectUnauthorized: false } });
    const report = await withTransport(insecure, (t) => t.verify());
    expect(report.tls?.authorized).toBe(false);
  });

  it('the test CA but another host name (tls.servername): ETLS for the name mismatch', async () => {
    const client = interopTransport(servers, { port: ports.smtps, security: 'tls', auth, tls: { ca: servers.tls.caPem, servername: 'mail.example.com' } });
    const error = await failure(withTransport(client, (t) => t.verify()));
    expect(error).toMatchObject({ code: 'ETLS', phase: 'connect' });
    expect(error.message).toMatch(/another host name|does not match|altnames/i);
  });

  const wrongPassword: [string, number, Security, AuthMethod][] = [
    ['submission, PLAIN', ports.submission, 'starttls', 'plain'],
    ['submission, LOGIN', ports.submission, 'starttls', 'login'],
    ['smtps, PLAIN', ports.smtps, 'tls', 'plain'],
    ['smtps, LOGIN', ports.smtps, 'tls', 'login'],
  ];
  it.each(wrongPassword)('wrong password on %s: EAUTH with Postfix\'s 535 5.7.8, no secret, no retry, nothing sent', async (_label, port, security, method) => {
    const pass = `wrong-${uniqueToken('pw')}`;
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, { port, security, auth: { user: auth.user, pass, method }, retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 } });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'EAUTH', phase: 'auth', replyCode: 535, enhancedCode: '5.7.8', transient: false, delivery: 'none' });
    expect(error.response).toMatch(/^535 5\.7\.8 Error: authentication failed/);
    expectNoSecret(error, authSecrets(auth.user, pass));
    expect(client.record.toString()).not.toContain(pass);
    expect(client.record.localPorts).toHaveLength(1); // a permanent failure is not retried
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session['auth']).toBe('0/1');
    expect(session['mail']).toBeUndefined();
  });

  it('AUTH before TLS: Postfix offers no AUTH in plaintext, so mailwire sends no credentials', async () => {
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, { port: ports.submission, security: 'none', auth });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'EAUTH', phase: 'auth', delivery: 'none' });
    expect(error.message).toMatch(/offers no authentication mechanisms/);
    expect(client.record.lines('C')).toEqual(['EHLO client.test']);
    expectNoSecret(error, authSecrets(auth.user, auth.pass));
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session['auth']).toBeUndefined();
  });

  it('AUTH before TLS, forced with a raw command: Postfix refuses it, and MAIL too (530 5.7.0)', async () => {
    const { conn } = interopConnection(servers, { port: ports.submission, security: 'none' });
    try {
      await conn.open();
      expect(conn.capabilities?.auth).toEqual([]);
      const reply = await conn.command('AUTH PLAIN', 'auth'); // no credentials: only the server's answer matters
      expect(reply).toMatchObject({ code: 530, enhancedCode: '5.7.0' });
      expect(reply.message).toMatch(/STARTTLS/);
      const error = await failure(conn.mail('a@example.com'));
      expect(error).toMatchObject({ code: 'EENVELOPE', replyCode: 530, enhancedCode: '5.7.0' });
      expect(error.response).toMatch(/STARTTLS/);
    } finally {
      await conn.quit();
    }
  });

  it('no AUTH on the submission port: the server refuses the recipient (554 5.7.1), EENVELOPE', async () => {
    const client = interopTransport(servers, { port: ports.submission, security: 'starttls' });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'EENVELOPE', phase: 'rcpt', replyCode: 554, enhancedCode: '5.7.1', delivery: 'none' });
  });
});
