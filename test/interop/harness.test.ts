// Proves the interop harness with peers we did not write: nodemailer sends through every port, Python's
// smtplib reads the EHLO replies, node:crypto checks the certificate, and the harness must find and
// split what the servers stored. If this file fails, the interop tests of mailwire cannot be trusted.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadInteropServers,
  parsePostfixDelivery,
  removeMessages,
  requireServers,
  uniqueToken,
  waitForAiosmtpd,
  waitForPostfix,
  withLf,
  type AiosmtpdCapture,
  type PostfixDelivery,
} from './harness.js';

const servers = requireServers();
const { host, ports, auth } = servers;
const consumed: (PostfixDelivery | AiosmtpdCapture)[] = [];
afterAll(() => removeMessages(consumed));

interface Via {
  port: number;
  secure?: boolean;
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  authMethod?: 'PLAIN' | 'LOGIN';
  pass?: string;
}

async function send(via: Via, envelope: { from: string; to: string[] }, raw: Buffer) {
  const transport = nodemailer.createTransport({
    host,
    port: via.port,
    secure: via.secure ?? false,
    requireTLS: via.requireTLS ?? false,
    ignoreTLS: via.ignoreTLS ?? false,
    name: 'client.test',
    tls: { ca: servers.tls.caPem },
    ...(via.authMethod ? { auth: { user: auth.user, pass: via.pass ?? auth.pass }, authMethod: via.authMethod } : {}),
  });
  try {
    return await transport.sendMail({ envelope, raw });
  } finally {
    transport.close();
  }
}

function message(token: string, to: string): Buffer {
  return Buffer.from(
    [
      'From: Sender <sender@example.com>',
      `To: ${to}`,
      `Subject: harness ${token}`,
      `Message-ID: <${token}@client.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Grüße ✓ eight-bit body',
      '.a leading dot, stuffed by the client and unstuffed by the server',
      '..',
      'trailing space ',
      '',
    ].join('\r\n'),
  );
}

/** The EHLO lines (keywords with their arguments) before and after STARTTLS as Python's smtplib
 * sees them, and the reply code to MAIL FROM with SIZE= one byte over the limit. */
function ehlo(port: number, mode: 'plain' | 'starttls' | 'tls'): { before: string[]; after: string[]; sizeReply: number } {
  const script = `
import json, smtplib, ssl, sys
host, port, mode, ca, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
s = smtplib.SMTP_SSL(host, port, context=ctx, timeout=10) if mode == "tls" else smtplib.SMTP(host, port, timeout=10)
lines = lambda: s.ehlo("client.test")[1].decode().upper().split("\\n")[1:]
before = lines()
if mode == "starttls":
    s.starttls(context=ctx)
after = lines()
code = s.mail("probe@example.com", ["SIZE=%d" % (size + 1)])[0]
s.quit()
print(json.dumps({"before": before, "after": after, "sizeReply": code}))
`;
  const args = ['-c', script, host, String(port), mode, servers.tls.ca, String(servers.sizeLimit)];
  return JSON.parse(execFileSync('/usr/bin/python3', args, { encoding: 'utf8' })) as ReturnType<typeof ehlo>;
}

describe('servers.json and the certificate', () => {
  it('describes six distinct loopback ports, the credentials and the size limit', () => {
    expect(host).toBe('127.0.0.1');
    expect(new Set(Object.values(ports)).size).toBe(6);
    expect(auth).toEqual({ user: 'tester', pass: 's3cret-pass' });
    expect(servers.sizeLimit).toBe(20_971_520);
    expect(loadInteropServers()).toEqual(servers);
  });

  it('has a server certificate for localhost, 127.0.0.1 and ::1 signed by the test CA', () => {
    const ca = new X509Certificate(servers.tls.caPem);
    const cert = new X509Certificate(readFileSync(servers.tls.cert));
    expect(ca.ca).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkHost('example.com')).toBeUndefined();
  });

  it('fails loudly, naming the fix, when the servers are not up', () => {
    expect(loadInteropServers('/nonexistent/mw-interop')).toBeUndefined();
    expect(() => requireServers('/nonexistent/mw-interop')).toThrow(/not available.*servers-up\.sh/);
  });
});

describe('what each port advertises (Python smtplib)', () => {
  it('Postfix plain: the extensions the suite relies on, no AUTH, no STARTTLS, SIZE enforced at MAIL', () => {
    const r = ehlo(ports.postfix, 'plain');
    for (const kw of ['PIPELINING', 'CHUNKING', '8BITMIME', 'SMTPUTF8', 'DSN', 'ENHANCEDSTATUSCODES', 'SIZE 20971520']) {
      expect(r.before).toContain(kw);
    }
    expect(r.before.join(' ')).not.toMatch(/AUTH|STARTTLS/);
    expect(r.sizeReply).toBe(552);
  });

  it('Postfix submission: STARTTLS first, AUTH PLAIN LOGIN only after it', () => {
    const r = ehlo(ports.submission, 'starttls');
    expect(r.before).toContain('STARTTLS');
    expect(r.before.join(' ')).not.toMatch(/AUTH/);
    expect(r.after).toContain('AUTH PLAIN LOGIN');
    expect(r.sizeReply).toBe(552);
  });

  it('Postfix smtps: AUTH PLAIN LOGIN over implicit TLS verified against the test CA', () => {
    expect(ehlo(ports.smtps, 'tls').before).toContain('AUTH PLAIN LOGIN');
  });

  it('aiosmtpd: plain with SIZE and SMTPUTF8; the TLS listener offers AUTH only after STARTTLS', () => {
    const plain = ehlo(ports.aiosmtpd, 'plain');
    expect(plain.before).toEqual(expect.arrayContaining(['SIZE 20971520', '8BITMIME', 'SMTPUTF8']));
    expect(plain.sizeReply).toBe(552);
    const tls = ehlo(ports.aiosmtpdTls, 'starttls');
    expect(tls.before).toContain('STARTTLS');
    expect(tls.before.join(' ')).not.toMatch(/AUTH/);
    expect(tls.after).toContain('AUTH LOGIN PLAIN');
  });
});

describe('nodemailer delivers through Postfix, and the harness reads the Maildir back', () => {
  const cases: [string, Via, RegExp][] = [
    ['plain', { port: ports.postfix, ignoreTLS: true }, /with ESMTP id/],
    ['submission AUTH PLAIN', { port: ports.submission, requireTLS: true, authMethod: 'PLAIN' }, /using TLS.*with ESMTPSA id/s],
    ['submission AUTH LOGIN', { port: ports.submission, requireTLS: true, authMethod: 'LOGIN' }, /using TLS.*with ESMTPSA id/s],
    ['smtps AUTH PLAIN', { port: ports.smtps, secure: true, authMethod: 'PLAIN' }, /using TLS.*with ESMTPSA id/s],
    ['smtps AUTH LOGIN', { port: ports.smtps, secure: true, authMethod: 'LOGIN' }, /using TLS.*with ESMTPSA id/s],
  ];
  it.each(cases)('%s', async (label, via, receivedBy) => {
    const token = uniqueToken(`pf-${label}`);
    const to = `rcpt-${token}@example.org`;
    const raw = message(token, to);
    const info = await send(via, { from: `sender-${token}@example.com`, to: [to] }, raw);
    expect(info.accepted).toEqual([to]);
    const [d, ...more] = await waitForPostfix(servers, token);
    consumed.push(d!, ...more);
    expect(more).toHaveLength(0);
    expect(d!.deliveredTo).toBe(to);
    expect(d!.returnPath).toBe(`<sender-${token}@example.com>`);
    expect(d!.received).toMatch(receivedBy);
    expect(d!.message.equals(withLf(raw))).toBe(true);
  });

  it('stores one file per recipient, each with its own Delivered-To', async () => {
    const token = uniqueToken('pf-multi');
    const to = [1, 2, 3].map((i) => `r${i}-${token}@example.org`);
    await send({ port: ports.postfix, ignoreTLS: true }, { from: 'sender@example.com', to }, message(token, to[0]!));
    const got = await waitForPostfix(servers, token, { count: 3 });
    consumed.push(...got);
    expect(got.map((d) => d.deliveredTo).sort()).toEqual([...to].sort());
  });

  it('accepts SMTPUTF8 addresses', async () => {
    const token = uniqueToken('pf-utf8');
    const to = `ünï-${token}@exämple.org`;
    await send({ port: ports.postfix, ignoreTLS: true }, { from: 'jörg@exämple.org', to: [to] }, message(token, to));
    const [d] = await waitForPostfix(servers, token);
    consumed.push(d!);
    expect(d!.deliveredTo).toBe(to);
    expect(d!.received).toMatch(/with UTF8SMTP/);
  });
});

describe('nodemailer delivers through aiosmtpd, and the harness reads the capture back', () => {
  const cases: [string, Via, Partial<Record<string, unknown>>][] = [
    ['plain', { port: ports.aiosmtpd, ignoreTLS: true }, { listener: 'plain', tls: false, authUser: null }],
    ['STARTTLS + AUTH PLAIN', { port: ports.aiosmtpdTls, requireTLS: true, authMethod: 'PLAIN' },
      { listener: 'tls', tls: true, authUser: 'tester', authMechanism: 'PLAIN' }],
    ['STARTTLS + AUTH LOGIN', { port: ports.aiosmtpdTls, requireTLS: true, authMethod: 'LOGIN' },
      { listener: 'tls', tls: true, authUser: 'tester', authMechanism: 'LOGIN' }],
  ];
  it.each(cases)('%s: exact bytes and the envelope', async (label, via, expected) => {
    const token = uniqueToken(`aio-${label}`);
    const to = [`a-${token}@example.org`, `b-${token}@example.org`];
    const raw = message(token, to.join(', '));
    await send(via, { from: `sender-${token}@example.com`, to }, raw);
    const [c, ...more] = await waitForAiosmtpd(servers, token);
    consumed.push(c!, ...more);
    expect(more).toHaveLength(0);
    expect(c!.data.equals(raw)).toBe(true);
    expect(c!.envelope).toMatchObject({ ...expected, helo: 'client.test', mailFrom: `sender-${token}@example.com`, size: raw.length });
    expect(c!.envelope.rcpts.map((r) => r.address)).toEqual(to);
    if (c!.envelope.tls) expect(c!.envelope.tlsVersion).toMatch(/^TLSv1\.[23]$/);
  });

  it('records the SMTPUTF8 parameter', async () => {
    const token = uniqueToken('aio-utf8');
    const to = `ünï-${token}@exämple.org`;
    await send({ port: ports.aiosmtpd, ignoreTLS: true }, { from: 'jörg@exämple.org', to: [to] }, message(token, to));
    const [c] = await waitForAiosmtpd(servers, token);
    consumed.push(c!);
    expect(c!.envelope.smtputf8).toBe(true);
    expect(c!.envelope.mailOptions).toContain('SMTPUTF8');
    expect(c!.envelope).toMatchObject({ mailFrom: 'jörg@exämple.org', rcpts: [{ address: to, options: [] }] });
  });
});

describe('refusals come from the servers themselves', () => {
  const refusals: [string, Via, string, number][] = [
    ['Postfix submission without STARTTLS', { port: ports.submission, ignoreTLS: true }, 'EENVELOPE', 530],
    ['Postfix submission without AUTH', { port: ports.submission, requireTLS: true }, 'EENVELOPE', 554],
    ['Postfix submission, wrong password', { port: ports.submission, requireTLS: true, authMethod: 'PLAIN', pass: 'wrong' }, 'EAUTH', 535],
    ['Postfix smtps, wrong password', { port: ports.smtps, secure: true, authMethod: 'LOGIN', pass: 'wrong' }, 'EAUTH', 535],
    ['aiosmtpd TLS listener without STARTTLS', { port: ports.aiosmtpdTls, ignoreTLS: true }, 'EENVELOPE', 530],
    ['aiosmtpd TLS listener without AUTH', { port: ports.aiosmtpdTls, requireTLS: true }, 'EENVELOPE', 530],
    ['aiosmtpd TLS listener, wrong password', { port: ports.aiosmtpdTls, requireTLS: true, authMethod: 'PLAIN', pass: 'wrong' }, 'EAUTH', 535],
  ];
  it.each(refusals)('%s', async (_label, via, code, responseCode) => {
    const raw = message(uniqueToken('refused'), 'x@example.org');
    await expect(send(via, { from: 'sender@example.com', to: ['x@example.org'] }, raw)).rejects.toMatchObject({ code, responseCode });
  });
});

describe('smtp-sink', () => {
  it('accepts a message from nodemailer', async () => {
    const info = await send({ port: ports.sink, ignoreTLS: true }, { from: 'a@example.com', to: ['b@example.org'] }, message('sink', 'b@example.org'));
    expect(info.accepted).toEqual(['b@example.org']);
    expect(info.response).toMatch(/^250 /);
  });
});

describe('parsePostfixDelivery', () => {
  it('strips only the trace headers Postfix added, even when the message has its own Received', () => {
    const raw = Buffer.from(
      'Return-Path: <a@example.com>\nX-Original-To: b@example.org\nDelivered-To: b@example.org\n' +
        'Received: from client.test (unknown [127.0.0.1])\n\tby postfix.localhost (Postfix) with ESMTP id X\n\tfor <b@example.org>; now\n' +
        'Received: by an earlier hop\nSubject: s\n\nbody\n',
    );
    const d = parsePostfixDelivery('f', raw);
    expect(d).toMatchObject({ returnPath: '<a@example.com>', originalTo: 'b@example.org', deliveredTo: 'b@example.org' });
    expect(d.received).toMatch(/^Received: from client\.test.*for <b@example\.org>; now$/s);
    expect(d.message.toString()).toBe('Received: by an earlier hop\nSubject: s\n\nbody\n');
  });

  it('rejects a file that is not a Postfix delivery', () => {
    expect(() => parsePostfixDelivery('f', Buffer.from('Subject: s\n\nbody\n'))).toThrow(/trace headers/);
  });
});
