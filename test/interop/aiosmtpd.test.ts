// mailwire against aiosmtpd: its plain listener and its STARTTLS+AUTH listener, with every mechanism it
// offers. aiosmtpd keeps the exact bytes it received and an envelope record (TLS, auth user and mechanism,
// MAIL and per-RCPT parameters), so every case compares bytes exactly and checks the parameters the server saw.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { composeToBuffer, type AuthMethod, type MailMessage, type Security } from '../../src/index.js';
import { removeMessages, requireServers, uniqueToken, waitForAiosmtpd, type AiosmtpdCapture, type AiosmtpdEnvelope } from './harness.js';
import {
  authSecrets,
  CLIENT_NAME,
  expectNoSecret,
  failure,
  interopConnection,
  interopTransport,
  parseMail,
  sha256,
  withTransport,
} from './mailwire-client.js';

const servers = requireServers();
const { ports, auth } = servers;
const consumed: AiosmtpdCapture[] = [];
afterAll(() => removeMessages(consumed));

const plain = { port: ports.aiosmtpd, security: 'none' } as const;
const tlsListener = { port: ports.aiosmtpdTls, security: 'starttls', auth } as const;

function message(token: string, extra: Partial<MailMessage> = {}): MailMessage {
  return {
    from: `Sender <sender-${token}@example.com>`,
    to: [`a-${token}@example.org`, `b-${token}@example.org`],
    subject: `aiosmtpd ${token} – ✓`,
    text: `.a dot first\n..two dots\n.\nlast line ✓`,
    attachments: [{ filename: 'blob.bin', content: randomBytes(5_000) }],
    messageId: `<${token}@client.test>`,
    ...extra,
  };
}

async function capture(token: string): Promise<AiosmtpdCapture> {
  const [c, ...more] = await waitForAiosmtpd(servers, token);
  consumed.push(c!, ...more);
  expect(more).toHaveLength(0);
  return c!;
}

describe('every security mode and AUTH mechanism aiosmtpd offers: exact bytes and the envelope it saw', () => {
  const modes: [string, { port: number; security: Security; method?: AuthMethod }, Partial<AiosmtpdEnvelope>][] = [
    ['plain listener, security "none"', { port: ports.aiosmtpd, security: 'none' }, { listener: 'plain', tls: false, authUser: null, authMechanism: null }],
    ['plain listener, "opportunistic" (no STARTTLS offered)', { port: ports.aiosmtpd, security: 'opportunistic' }, { listener: 'plain', tls: false, authUser: null }],
    ['TLS listener, STARTTLS + AUTH PLAIN', { port: ports.aiosmtpdTls, security: 'starttls', method: 'plain' }, { listener: 'tls', tls: true, authUser: 'tester', authMechanism: 'PLAIN' }],
    ['TLS listener, STARTTLS + AUTH LOGIN', { port: ports.aiosmtpdTls, security: 'starttls', method: 'login' }, { listener: 'tls', tls: true, authUser: 'tester', authMechanism: 'LOGIN' }],
    ['TLS listener, STARTTLS + AUTH auto (PLAIN)', { port: ports.aiosmtpdTls, security: 'starttls', method: 'auto' }, { listener: 'tls', tls: true, authUser: 'tester', authMechanism: 'PLAIN' }],
    ['TLS listener, "opportunistic" + AUTH auto', { port: ports.aiosmtpdTls, security: 'opportunistic', method: 'auto' }, { listener: 'tls', tls: true, authUser: 'tester', authMechanism: 'PLAIN' }],
  ];
  it.each(modes)('%s', async (label, mode, expected) => {
    const token = uniqueToken(`aio-${label.slice(0, 20)}`);
    const composed = await composeToBuffer(message(token));
    const envelope = { from: `sender-${token}@example.com`, to: [`a-${token}@example.org`, `b-${token}@example.org`] };
    const client = interopTransport(servers, { port: mode.port, security: mode.security, ...(mode.method ? { auth: { ...auth, method: mode.method } } : {}) });
    const info = await withTransport(client, (t) => t.sendRaw(envelope, composed));
    const c = await capture(token);
    expect(info.accepted).toEqual(envelope.to);
    expect(info.response).toMatch(/^250 2\.0\.0 OK: queued as /);
    expect(c.data.equals(composed)).toBe(true);
    expect(c.envelope).toMatchObject({
      ...expected,
      port: mode.port,
      helo: CLIENT_NAME,
      mailFrom: envelope.from,
      mailOptions: [`SIZE=${composed.length}`],
      rcpts: envelope.to.map((address) => ({ address, options: [] })),
      smtputf8: false,
      size: composed.length,
    });
    if (expected.tls) expect(c.envelope.tlsVersion).toMatch(/^TLSv1\.[23]$/);
  });

  it('verify() on the TLS listener: certificate verified against the test CA, AUTH done, nothing captured', async () => {
    const client = interopTransport(servers, tlsListener);
    const report = await withTransport(client, (t) => t.verify());
    expect(report).toMatchObject({ port: ports.aiosmtpdTls, security: 'starttls', authMethod: 'PLAIN', tls: { authorized: true } });
    expect(report.capabilities['AUTH']?.sort()).toEqual(['LOGIN', 'PLAIN']);
    expect(client.record.lines('C').filter((l) => /^(MAIL|RCPT|DATA)/.test(l))).toEqual([]);
  });

  it('transport.send: the composed message parses back to what was given', async () => {
    const token = uniqueToken('aio-send');
    const binary = randomBytes(30_000);
    const client = interopTransport(servers, tlsListener);
    const info = await withTransport(client, (t) =>
      t.send(message(token, { html: '<p>Grüße</p>', cc: `c-${token}@example.org`, bcc: `h-${token}@example.org`, attachments: [{ filename: 'x.bin', content: binary }] })),
    );
    const c = await capture(token);
    expect(c.envelope.rcpts.map((r) => r.address)).toEqual(['a', 'b', 'c', 'h'].map((p) => `${p}-${token}@example.org`));
    expect(c.envelope.mailOptions).toEqual([`SIZE=${c.data.length}`]); // SIZE= was the exact size
    expect(info.messageBytes).toBe(c.data.length);
    const parsed = await parseMail(c.data);
    expect(parsed.messageId).toBe(info.messageId);
    expect(parsed.subject).toBe(`aiosmtpd ${token} – ✓`);
    expect(parsed.text?.trimEnd()).toBe('.a dot first\n..two dots\n.\nlast line ✓');
    expect(parsed.html).toBe('<p>Grüße</p>');
    expect(parsed.headers.some((h) => h.key === 'bcc')).toBe(false);
    expect(sha256(parsed.attachments[0]!.content as ArrayBuffer)).toBe(sha256(binary));
  });

  it('no CHUNKING here: the body goes with DATA, dot-stuffed on the wire and unstuffed by the server', async () => {
    const token = uniqueToken('aio-data');
    const raw = Buffer.from(`Subject: ${token}\r\n\r\n.\r\n..\r\n. \r\n.x\r\nend\r\n`);
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, raw));
    expect(client.record.lines('C')).toContain('DATA');
    expect(client.record.lines('C').some((l) => l.startsWith('BDAT'))).toBe(false);
    expect((await capture(token)).data.equals(raw)).toBe(true);
  });

  it('100 recipients in one transaction, each RCPT recorded', async () => {
    const token = uniqueToken('aio-100');
    const to = Array.from({ length: 100 }, (_, i) => `r${i}-${token}@example.org`);
    const client = interopTransport(servers, plain);
    const info = await withTransport(client, (t) => t.send({ from: 'a@example.com', to, subject: token, text: 'hundred' }));
    expect(info.accepted).toEqual(to);
    expect((await capture(token)).envelope.rcpts.map((r) => r.address)).toEqual(to);
  });
});

describe('8BITMIME, SMTPUTF8 and DSN parameters as aiosmtpd received them', () => {
  it('an 8bit composed message: MAIL carries BODY=8BITMIME, the bytes arrive unchanged', async () => {
    const token = uniqueToken('aio-8bit');
    const composed = await composeToBuffer({ from: 'a@example.com', to: `r-${token}@example.org`, subject: token, text: 'Grüße ✓ 日本語\n' }, { allow8bit: true });
    await withTransport(interopTransport(servers, plain), (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, composed));
    const c = await capture(token);
    expect(c.envelope.mailOptions).toEqual([`SIZE=${composed.length}`, 'BODY=8BITMIME']);
    expect(c.data.equals(composed)).toBe(true);
    expect(c.data.toString('utf8')).toContain('Grüße ✓ 日本語');
  });

  it('raw bytes 0x80-0xFF with bare LF line ends: sent as CRLF with BODY=8BITMIME, every high byte kept', async () => {
    const token = uniqueToken('aio-latin1');
    const high = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));
    const raw = Buffer.concat([Buffer.from(`Subject: ${token}\n\n`), high, Buffer.from('\nend\n')]);
    await withTransport(interopTransport(servers, plain), (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, raw));
    const c = await capture(token);
    expect(c.envelope.mailOptions).toContain('BODY=8BITMIME');
    expect(c.data.equals(Buffer.concat([Buffer.from(`Subject: ${token}\r\n\r\n`), high, Buffer.from('\r\nend\r\n')]))).toBe(true);
  });

  it('non-ASCII local parts with smtpUtf8: MAIL carries SMTPUTF8, the envelope holds the UTF-8 addresses', async () => {
    const token = uniqueToken('aio-utf8');
    const client = interopTransport(servers, { ...tlsListener, smtpUtf8: true });
    await withTransport(client, (t) => t.send({ from: `jörg-${token}@example.com`, to: `ünï-${token}@example.org`, subject: token, text: 'x' }));
    const c = await capture(token);
    expect(c.envelope).toMatchObject({ smtputf8: true, mailFrom: `jörg-${token}@example.com`, rcpts: [{ address: `ünï-${token}@example.org`, options: [] }] });
    expect(c.envelope.mailOptions).toEqual(expect.arrayContaining(['SMTPUTF8', 'BODY=8BITMIME']));
    expect(c.data.toString('utf8')).toMatch(new RegExp(`^To: ünï-${token}@example\\.org\\r$`, 'm'));
  });

  it('DSN is not offered by aiosmtpd: NOTIFY/RET/ENVID are dropped (and the transcript says so), the mail still goes', async () => {
    const token = uniqueToken('aio-dsn');
    const { conn, record } = interopConnection(servers, plain);
    const raw = `Subject: ${token}\r\n\r\nbody\r\n`;
    try {
      await conn.open();
      expect(conn.capabilities?.dsn).toBe(false);
      await conn.send({ from: 'a@example.com', to: [`r-${token}@example.org`] }, raw, { dsn: { notify: ['SUCCESS'], ret: 'HDRS', envid: token, orcpt: 'x' } });
    } finally {
      await conn.quit();
    }
    const c = await capture(token);
    expect(record.lines('i')).toContain('DSN parameters dropped: the server does not offer DSN');
    expect(c.envelope.mailOptions).toEqual([`SIZE=${raw.length}`]);
    expect(c.envelope.rcpts).toEqual([{ address: `r-${token}@example.org`, options: [] }]);
  });
});

describe('refusals from aiosmtpd', () => {
  it('security "starttls" against the plain listener (no STARTTLS): ETLS, only EHLO sent', async () => {
    const client = interopTransport(servers, { port: ports.aiosmtpd, security: 'starttls' });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'ETLS', phase: 'starttls', delivery: 'none' });
    expect(client.record.lines('S').join('\n')).not.toMatch(/STARTTLS/);
    expect(client.record.lines('C')).toEqual(['EHLO client.test']);
  });

  it('the TLS listener without the test CA: ETLS at STARTTLS, no AUTH sent', async () => {
    const client = interopTransport(servers, { ...tlsListener, tls: {} });
    const error = await failure(withTransport(client, (t) => t.verify()));
    expect(error).toMatchObject({ code: 'ETLS', phase: 'starttls' });
    expect(client.record.lines('C')).toEqual(['EHLO client.test', 'STARTTLS']);
  });

  const methods: AuthMethod[] = ['plain', 'login'];
  it.each(methods)('wrong password with %s: EAUTH with aiosmtpd\'s 535 5.7.8, no secret in the error', async (method) => {
    const pass = `wrong-${uniqueToken('pw')}`;
    const client = interopTransport(servers, { ...tlsListener, auth: { user: auth.user, pass, method } });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'EAUTH', phase: 'auth', replyCode: 535, enhancedCode: '5.7.8', transient: false, delivery: 'none' });
    expect(error.response).toBe('535 5.7.8 Authentication credentials invalid');
    expectNoSecret(error, authSecrets(auth.user, pass));
    expect(client.record.toString()).not.toContain(pass);
    expect(client.record.lines('C').some((l) => l.startsWith('MAIL'))).toBe(false);
  });

  it('AUTH before TLS: none is offered, so mailwire sends none; forced, aiosmtpd refuses it (530)', async () => {
    const client = interopTransport(servers, { ...tlsListener, security: 'none' });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'EAUTH', phase: 'auth' });
    expect(client.record.lines('C')).toEqual(['EHLO client.test']);

    const { conn } = interopConnection(servers, { port: ports.aiosmtpdTls, security: 'none' });
    try {
      await conn.open();
      const reply = await conn.command('AUTH PLAIN', 'auth');
      expect(reply.code).toBe(530);
      expect(reply.message).toMatch(/STARTTLS/);
    } finally {
      await conn.quit();
    }
  });
});
