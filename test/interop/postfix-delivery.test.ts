// What Postfix stores when mailwire sends: composed messages byte for byte, 8BITMIME and SMTPUTF8, one
// message to 100 recipients, DSN parameters (proved by the DSN report Postfix itself sends back), and the
// protocol mailwire used on the wire (PIPELINING, CHUNKING/BDAT, DATA, one pooled session for several
// messages), checked against Postfix's own per-session command counts.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { composeToBuffer, type MailMessage } from '../../src/index.js';
import { removeMessages, requireServers, uniqueToken, waitForPostfix, withLf, type PostfixDelivery } from './harness.js';
import {
  interopConnection,
  interopTransport,
  parseMail,
  postfixLogMark,
  postfixSession,
  queueId,
  sha256,
  waitForPostfixLog,
  withCrlf,
  withTransport,
  type Recorder,
} from './mailwire-client.js';

const servers = requireServers();
const { ports, auth } = servers;
const consumed: PostfixDelivery[] = [];
afterAll(() => removeMessages(consumed));

/** Waits for Postfix's files for `token` and marks them for removal, before a test asserts anything else. */
async function delivered(token: string, count = 1, timeoutMs?: number): Promise<PostfixDelivery[]> {
  const got = await waitForPostfix(servers, token, { count, ...(timeoutMs ? { timeoutMs } : {}) });
  consumed.push(...got);
  return got;
}

const submission = { port: ports.submission, security: 'starttls', auth } as const;
const plain = { port: ports.postfix, security: 'none' } as const;

/** A message that exercises the composer: encoded words, dots at line starts, long lines, every kind of part. */
function richMessage(token: string, binary: Buffer): MailMessage {
  return {
    from: { name: 'Jörg Sender', address: `sender-${token}@example.com` },
    to: [`One Ünï <one-${token}@example.org>`, `two-${token}@example.org`],
    cc: `cc-${token}@example.org`,
    bcc: `hidden-${token}@example.org`,
    replyTo: 'replies@example.com',
    subject: `Grüße ✓ byte-exact ${token}`,
    text: `Line one\n.a line that starts with a dot\n..two dots\n.\n${'long words '.repeat(120)}\nend ✓`,
    html: '<p>Grüße <img src="cid:logo@mw.test"></p>',
    attachments: [
      { filename: 'data.bin', content: binary },
      { filename: 'logo.png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), cid: 'logo@mw.test' },
      { filename: 'notes – ü.txt', content: 'a text attachment\r\n.with a dot\r\n' },
    ],
    headers: { 'X-Interop-Token': token },
    date: new Date('2024-01-02T03:04:05Z'),
    messageId: `<${token}@client.test>`,
  };
}

describe('the exact bytes delivered are the message sent', () => {
  it('composeToBuffer -> sendRaw over STARTTLS+AUTH: every recipient\'s Maildir file is the composed message (CRLF stored as LF)', async () => {
    const token = uniqueToken('pf-exact');
    const binary = randomBytes(40_000);
    const message = richMessage(token, binary);
    const composed = await composeToBuffer(message);
    const envelope = { from: `sender-${token}@example.com`, to: ['one', 'two', 'cc', 'hidden'].map((p) => `${p}-${token}@example.org`) };
    const info = await withTransport(interopTransport(servers, submission), (t) => t.sendRaw(envelope, composed));
    const got = await delivered(token, 4);
    expect(info.accepted).toEqual(envelope.to);
    expect(info.messageBytes).toBe(composed.length);
    expect(got.map((d) => d.deliveredTo).sort()).toEqual([...envelope.to].sort());
    for (const d of got) {
      expect(d.message.includes(0x0d)).toBe(false); // Postfix stores LF line ends...
      expect(withCrlf(d.message).equals(composed)).toBe(true); // ...and otherwise exactly what was composed
      expect(d.message.equals(withLf(composed))).toBe(true);
    }
    const parsed = await parseMail(withCrlf(got[0]!.message));
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from).toMatchObject({ name: 'Jörg Sender', address: `sender-${token}@example.com` });
    expect(parsed.to?.[0]).toMatchObject({ name: 'One Ünï', address: `one-${token}@example.org` });
    expect(parsed.headers.some((h) => h.key === 'bcc')).toBe(false);
    expect(parsed.text?.replace(/\r\n/g, '\n').trimEnd()).toBe(String(message.text));
    expect(parsed.html).toContain('Grüße');
    const byName = new Map(parsed.attachments.map((a) => [a.filename, a]));
    expect(sha256(byName.get('data.bin')!.content as ArrayBuffer)).toBe(sha256(binary));
    expect(byName.get('logo.png')?.contentId).toBe('<logo@mw.test>');
    expect(Buffer.from(byName.get('notes – ü.txt')!.content as ArrayBuffer).toString()).toBe('a text attachment\r\n.with a dot\r\n');
  });

  it('transport.send composes and delivers a message that parses back to the same fields', async () => {
    const token = uniqueToken('pf-send');
    const binary = randomBytes(25_000);
    const message = richMessage(token, binary);
    const info = await withTransport(interopTransport(servers, submission), (t) => t.send(message));
    const got = await delivered(token, 4);
    expect(info.messageId).toBe(`<${token}@client.test>`);
    expect(info.accepted.sort()).toEqual(['one', 'two', 'cc', 'hidden'].map((p) => `${p}-${token}@example.org`).sort());
    // All four copies are one message.
    for (const d of got) expect(d.message.equals(got[0]!.message)).toBe(true);
    const parsed = await parseMail(got[0]!.message);
    expect(parsed.messageId).toBe(info.messageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.date).toBe('2024-01-02T03:04:05.000Z');
    expect(parsed.headers.find((h) => h.key === 'x-interop-token')?.value).toBe(token);
    expect(parsed.attachments.map((a) => a.filename).sort()).toEqual(['data.bin', 'logo.png', 'notes – ü.txt']);
    expect(sha256(parsed.attachments.find((a) => a.filename === 'data.bin')!.content as ArrayBuffer)).toBe(sha256(binary));
  });
});

describe('8BITMIME and SMTPUTF8', () => {
  it('a composed 8bit message (allow8bit) goes with BODY=8BITMIME and is stored byte for byte', async () => {
    const token = uniqueToken('pf-8bit');
    const composed = await composeToBuffer(
      { from: 'a@example.com', to: `r-${token}@example.org`, subject: `8bit ${token}`, text: 'Grüße, ça va? ✓ 日本語\n' },
      { allow8bit: true },
    );
    expect(composed.toString()).toContain('Content-Transfer-Encoding: 8bit');
    expect(composed.toString()).toContain('Grüße, ça va? ✓ 日本語');
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, composed));
    const [d] = await delivered(token);
    expect(client.record.lines('C').find((l) => l.startsWith('MAIL'))).toBe(`MAIL FROM:<a@example.com> SIZE=${composed.length} BODY=8BITMIME`);
    expect(withCrlf(d!.message).equals(composed)).toBe(true);
    expect((await parseMail(d!.message)).text).toBe('Grüße, ça va? ✓ 日本語\n');
  });

  it('transport.send of a 1.5 MB 8-bit message/rfc822 attachment: streamed as BDAT with BODY=8BITMIME, stored as written (8bit, not base64)', async () => {
    const token = uniqueToken('pf-eml');
    const inner = `From: a@example.com\r\nSubject: inner ${token}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${'Grüße, ça va? ✓\r\n'.repeat(70_000)}`;
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) =>
      t.send({ from: 'a@example.com', to: `r-${token}@example.org`, subject: `eml ${token}`, text: 'The original is attached.', attachments: [{ filename: 'inner.eml', content: Buffer.from(inner) }] }),
    );
    const [d] = await delivered(token);
    const mail = client.record.lines('C').find((l) => l.startsWith('MAIL')) ?? '';
    expect(mail).toMatch(/ BODY=8BITMIME$/);
    // Over 1 MiB the message is streamed: BDAT chunks (an in-memory part may fill one), the last one LAST.
    const bdat = client.record.lines('C').filter((l) => l.startsWith('BDAT'));
    expect(bdat.at(-1)).toMatch(/^BDAT \d+ LAST$/);
    expect(String(bdat.reduce((n, l) => n + Number(l.split(' ')[1]), 0))).toBe(/ SIZE=(\d+)/.exec(mail)?.[1]);
    const stored = withCrlf(d!.message);
    expect(stored.toString()).toContain('Content-Type: message/rfc822; name=inner.eml\r\nContent-Transfer-Encoding: 8bit\r\n');
    expect(stored.includes(Buffer.from(inner))).toBe(true);
  });

  it('raw 8-bit bytes that are not UTF-8 (0x80-0xFF) pass through untouched', async () => {
    const token = uniqueToken('pf-latin1');
    const high = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));
    const raw = Buffer.concat([
      Buffer.from(`Subject: latin1 ${token}\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`),
      high,
      Buffer.from('\r\n'),
    ]);
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, raw));
    const [d] = await delivered(token);
    expect(client.record.lines('C').find((l) => l.startsWith('MAIL'))).toMatch(/ BODY=8BITMIME$/);
    expect(withCrlf(d!.message).equals(raw)).toBe(true);
  });

  it('a 7-bit message is sent without a BODY parameter', async () => {
    const token = uniqueToken('pf-7bit');
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) => t.send({ from: 'a@example.com', to: `r-${token}@example.org`, subject: 'Grüße', text: 'Grüße ✓' }));
    const [d] = await delivered(token);
    expect(client.record.lines('C').find((l) => l.startsWith('MAIL'))).toMatch(/^MAIL FROM:<a@example\.com> SIZE=\d+$/);
    expect(d!.message.every((b) => b < 0x80)).toBe(true);
    expect((await parseMail(d!.message)).text?.trimEnd()).toBe('Grüße ✓');
  });

  it('non-ASCII local parts, no option needed: SMTPUTF8 on MAIL, Postfix delivers "with UTF8SMTPSA" to that mailbox', async () => {
    const token = uniqueToken('pf-utf8');
    const client = interopTransport(servers, submission);
    const info = await withTransport(client, (t) =>
      t.send({ from: `Jörg <jörg-${token}@exämple.org>`, to: `Ünï <ünï-${token}@exämple.org>`, subject: `utf8 ${token}`, text: 'Grüße' }),
    );
    const [d] = await delivered(token);
    const mail = client.record.lines('C').find((l) => l.startsWith('MAIL'));
    expect(mail).toMatch(new RegExp(`^MAIL FROM:<jörg-${token}@\\S+> SIZE=\\d+ BODY=8BITMIME SMTPUTF8$`));
    const rcpt = client.record.lines('C').find((l) => l.startsWith('RCPT'));
    expect(`RCPT TO:<${d!.deliveredTo}>`).toBe(rcpt);
    expect(d!.deliveredTo).toMatch(new RegExp(`^ünï-${token}@`));
    expect(info.accepted).toEqual([d!.deliveredTo]);
    expect(d!.received).toMatch(/with UTF8SMTPSA id/);
    // The header addresses are raw UTF-8 (RFC 6532); a display name may still be an encoded word.
    expect(d!.message.toString('utf8')).toMatch(new RegExp(`^To: .*\\n? <ünï-${token}@`, 'm'));
    const parsed = await parseMail(d!.message);
    expect(parsed.to?.[0]).toMatchObject({ name: 'Ünï' });
    expect(parsed.from?.address).toMatch(new RegExp(`^jörg-${token}@`));
  });
});

describe('SMTPUTF8 by itself (port 5525, smtputf8_enable = yes)', () => {
  it('jörg@bücher.example: EHLO offers SMTPUTF8, MAIL carries it, the stored file has the UTF-8 local part and the A-label domain', async () => {
    const token = uniqueToken('pf-auto8');
    const client = interopTransport(servers, plain);
    const info = await withTransport(client, (t) =>
      t.send({ from: `sender-${token}@example.com`, to: `Jörg <jörg-${token}@bücher.example>`, subject: `auto utf8 ${token}`, text: 'Grüße' }),
    );
    const [d] = await delivered(token);
    expect(client.record.lines('S').some((l) => /^250[ -]SMTPUTF8$/.test(l))).toBe(true);
    expect(client.record.lines('C').find((l) => l.startsWith('MAIL'))).toMatch(/ SMTPUTF8$/);
    expect(client.record.lines('C')).toContain(`RCPT TO:<jörg-${token}@xn--bcher-kva.example>`);
    expect(info.accepted).toEqual([`jörg-${token}@xn--bcher-kva.example`]);
    // What Postfix wrote to the Maildir: its trace headers name the UTF-8 recipient, the message keeps it raw.
    expect(d!.deliveredTo).toBe(`jörg-${token}@xn--bcher-kva.example`);
    expect(d!.received).toMatch(/with UTF8SMTP id/);
    expect(d!.message.toString('utf8')).toMatch(new RegExp(`^To: .*\\n? <jörg-${token}@xn--bcher-kva\\.example>`, 'm'));
    expect((await parseMail(d!.message)).text?.trimEnd()).toBe('Grüße');
  });
});

describe('one message to 100 recipients', () => {
  it('pipelines MAIL and the 100 RCPTs in one flight; Postfix writes 100 Maildir files', async () => {
    const token = uniqueToken('pf-100');
    const to = Array.from({ length: 100 }, (_, i) => `r${String(i).padStart(3, '0')}-${token}@example.org`);
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, plain);
    const info = await withTransport(client, (t) => t.send({ from: `s-${token}@example.com`, to, subject: `hundred ${token}`, text: 'one of a hundred' }));
    const got = await delivered(token, 100, 30_000);
    expect(info.accepted).toEqual(to);
    expect(info.rejected).toEqual([]);

    // The whole envelope and BDAT LAST (with the body) went out before the first reply came back.
    const entries = client.record.transcript.filter((e) => e.dir !== 'i');
    const mailAt = entries.findIndex((e) => e.line.startsWith('MAIL FROM:'));
    const commands = entries.slice(mailAt, mailAt + 102);
    expect(commands.every((e) => e.dir === 'C')).toBe(true);
    expect(commands.filter((e) => e.line.startsWith('RCPT TO:'))).toHaveLength(100);
    expect(commands[101]?.line).toMatch(/^BDAT \d+ LAST$/);
    expect(entries.slice(mailAt + 102, mailAt + 203).every((e) => e.dir === 'S' && e.line.startsWith('250 '))).toBe(true);

    expect(got).toHaveLength(100);
    expect(got.map((d) => d.deliveredTo).sort()).toEqual(to);
    for (const d of got) expect(d.message.equals(got[0]!.message)).toBe(true);
    await waitForPostfixLog(servers, new RegExp(`${queueId(info.response)}: from=<s-${token}@example\\.com>, size=\\d+, nrcpt=100 `), mark);
    expect(await postfixSession(servers, client.record.localPorts[0]!, mark)).toMatchObject({ mail: '1', rcpt: '100', bdat: '1' });
  });
});

describe('DSN (RFC 3461): Postfix offers it', () => {
  it('NOTIFY, RET, ENVID and ORCPT reach Postfix: it sends the success report they ask for', async () => {
    const token = uniqueToken('pf-dsn');
    const sender = `dsn-sender-${token}@example.com`;
    const rcpt = `dsn-rcpt-${token}@example.org`;
    const envid = `env+${token}=x`; // '+' and '=' must travel as xtext
    const raw = `From: ${sender}\r\nTo: ${rcpt}\r\nSubject: dsn ${token}\r\nMessage-ID: <${token}@client.test>\r\n\r\nthe body, not returned with RET=HDRS\r\n`;
    const { conn, record } = interopConnection(servers, plain);
    try {
      await conn.open();
      expect(conn.capabilities?.dsn).toBe(true);
      await conn.send({ from: sender, to: [rcpt] }, raw, { dsn: { notify: ['SUCCESS', 'FAILURE'], ret: 'HDRS', envid, orcpt: rcpt } });
    } finally {
      await conn.quit();
    }
    const got = await delivered(token, 2);
    const xtextEnvid = `env+2B${token}+3Dx`;
    expect(record.lines('C')).toContain(`MAIL FROM:<${sender}> SIZE=${Buffer.byteLength(raw)} RET=HDRS ENVID=${xtextEnvid}`);
    expect(record.lines('C')).toContain(`RCPT TO:<${rcpt}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;${rcpt}`);

    const copy = got.find((d) => d.deliveredTo === rcpt);
    const report = got.find((d) => d.deliveredTo === sender);
    expect(copy?.message.equals(withLf(raw))).toBe(true);
    expect(report?.returnPath).toBe('<>'); // a DSN has the null reverse-path
    const text = report!.message.toString('utf8');
    expect(text).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
    expect(text).toContain(`Original-Envelope-Id: ${envid}`); // decoded from xtext by Postfix
    expect(text).toMatch(new RegExp(`^Original-Recipient: rfc822; ?${rcpt}$`, 'm'));
    expect(text).toMatch(/^Action: delivered$/m);
    expect(text).toContain('Content-Type: text/rfc822-headers'); // RET=HDRS: headers only...
    expect(text).toContain(`Subject: dsn ${token}`);
    expect(text).not.toContain('the body, not returned'); // ...not the body
  });

  it('transport.send passes message.dsn to MAIL/RCPT', async () => {
    const token = uniqueToken('pf-dsn-transport');
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) =>
      t.send({ from: 'a@example.com', to: `r-${token}@example.org`, text: 'x', dsn: { notify: ['FAILURE'], ret: 'HDRS', envid: token } }),
    ).finally(() => delivered(token));
    expect(client.record.lines('C').find((l) => l.startsWith('MAIL'))).toContain(`RET=HDRS ENVID=${token}`);
    expect(client.record.lines('C').find((l) => l.startsWith('RCPT'))).toContain('NOTIFY=FAILURE');
  });
});

/** `n` transcript lines from MAIL FROM on, as "C ..." / "S ...". */
function flight(record: Recorder, n: number): string[] {
  const entries = record.transcript.filter((e) => e.dir !== 'i');
  const mailAt = entries.findIndex((e) => e.line.startsWith('MAIL FROM:'));
  return entries.slice(mailAt, mailAt + n).map((e) => `${e.dir} ${e.line}`);
}

describe('PIPELINING and CHUNKING as Postfix saw them', () => {
  it('a small in-memory message (sendRaw): MAIL, RCPT and BDAT LAST in one flight, before any reply; bdat=1', async () => {
    const token = uniqueToken('pf-flight');
    const raw = Buffer.from(`Subject: flight ${token}\r\n\r\nsmall\r\n`);
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, raw));
    await delivered(token);
    expect(flight(client.record, 6)).toEqual([
      `C MAIL FROM:<a@example.com> SIZE=${raw.length}`,
      `C RCPT TO:<r-${token}@example.org>`,
      `C BDAT ${raw.length} LAST`,
      'S 250 2.1.0 Ok',
      'S 250 2.1.5 Ok',
      expect.stringMatching(/^S 250 2\.0\.0 Ok: \d+ bytes queued as /),
    ]);
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session).toMatchObject({ mail: '1', rcpt: '1', bdat: '1' });
    expect(session['data']).toBeUndefined();
  });

  it('a small composed message (transport.send): MAIL, RCPTs and BDAT LAST in one flight, before any reply', async () => {
    const token = uniqueToken('pf-composed-flight');
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, plain);
    await withTransport(client, (t) => t.send({ from: 'a@example.com', to: [`r1-${token}@example.org`, `r2-${token}@example.org`], text: 'small' }));
    await delivered(token, 2);
    expect(flight(client.record, 7).map((l) => l.replace(/\d+ LAST$/, 'N LAST'))).toEqual([
      expect.stringMatching(/^C MAIL FROM:<a@example\.com> SIZE=\d+$/),
      `C RCPT TO:<r1-${token}@example.org>`,
      `C RCPT TO:<r2-${token}@example.org>`,
      'C BDAT N LAST',
      'S 250 2.1.0 Ok',
      'S 250 2.1.5 Ok',
      'S 250 2.1.5 Ok',
    ]);
    expect(await postfixSession(servers, client.record.localPorts[0]!, mark)).toMatchObject({ mail: '1', rcpt: '2', bdat: '1' });
  });

  it('a streamed 1.5 MB body goes as several BDAT chunks; Postfix counted each, and stored the bytes', async () => {
    const token = uniqueToken('pf-chunks');
    const line = `${'0123456789abcdef'.repeat(4)}\r\n`;
    const raw = Buffer.from(`Subject: chunks ${token}\r\n\r\n${line.repeat(Math.ceil(1_500_000 / line.length))}`);
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, plain);
    // A stream of 64 KiB pieces, as a caller's Readable would arrive.
    const pieces = Array.from({ length: Math.ceil(raw.length / 65_536) }, (_, i) => raw.subarray(i * 65_536, (i + 1) * 65_536));
    const info = await withTransport(client, (t) => t.sendRaw({ from: 'a@example.com', to: [`r-${token}@example.org`] }, Readable.from(pieces)));
    const [d] = await delivered(token);
    expect(info.messageBytes).toBe(raw.length);
    const bdat = client.record.lines('C').filter((l) => l.startsWith('BDAT'));
    expect(bdat.length).toBeGreaterThan(2);
    expect(bdat.at(-1)).toMatch(/^BDAT \d+ LAST$/);
    expect(bdat.reduce((n, l) => n + Number(l.split(' ')[1]), 0)).toBe(raw.length);
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session['bdat']).toBe(String(bdat.length));
    expect(withCrlf(d!.message).equals(raw)).toBe(true);
  });

  it('useChunking: false -> pipelined MAIL, RCPT, DATA; Postfix counted data=1 and no bdat', async () => {
    const token = uniqueToken('pf-data');
    const raw = Buffer.from(`Subject: data ${token}\r\n\r\n.leading dot\r\n..two\r\n.\r\nend\r\n`);
    const mark = postfixLogMark(servers);
    const { conn, record } = interopConnection(servers, { ...plain, useChunking: false });
    try {
      await conn.open();
      const result = await conn.send({ from: 'a@example.com', to: [`r-${token}@example.org`] }, raw);
      expect(result.method).toBe('DATA');
    } finally {
      await conn.quit();
    }
    const [d] = await delivered(token);
    const entries = record.transcript.filter((e) => e.dir !== 'i');
    const mailAt = entries.findIndex((e) => e.line.startsWith('MAIL FROM:'));
    expect(entries.slice(mailAt, mailAt + 3).map((e) => `${e.dir} ${e.line.split(':')[0]}`)).toEqual(['C MAIL FROM', 'C RCPT TO', 'C DATA']);
    const session = await postfixSession(servers, record.localPorts[0]!, mark);
    expect(session).toMatchObject({ mail: '1', rcpt: '1', data: '1' });
    expect(session['bdat']).toBeUndefined();
    expect(withCrlf(d!.message).equals(raw)).toBe(true); // dots stuffed by mailwire, unstuffed by Postfix
  });

  it('three sends on a pool of one: one Postfix session carries all three transactions', async () => {
    const token = uniqueToken('pf-pool');
    const mark = postfixLogMark(servers);
    const client = interopTransport(servers, { ...submission, pool: { maxConnections: 1 } });
    const infos = await withTransport(client, (t) =>
      Promise.all([1, 2, 3].map((i) => t.send({ from: 'a@example.com', to: `r${i}-${token}@example.org`, subject: `pool ${i}`, text: `message ${i}` }))),
    );
    const got = await delivered(token, 3);
    expect(new Set(infos.map((i) => queueId(i.response))).size).toBe(3);
    expect(client.record.localPorts).toHaveLength(1);
    const session = await postfixSession(servers, client.record.localPorts[0]!, mark);
    expect(session).toMatchObject({ ehlo: '2', starttls: '1', auth: '1', mail: '3', rcpt: '3', bdat: '3', quit: '1' });
    expect(got.map((d) => d.deliveredTo).sort()).toEqual([1, 2, 3].map((i) => `r${i}-${token}@example.org`));
  });
});

describe('a script that ends with `await transport.close()`', () => {
  it('gets past close(): the pooled connection QUITs and the process stays alive until Postfix answers', async () => {
    const token = uniqueToken('pf-close');
    const dir = mkdtempSync(join(tmpdir(), 'mw-interop-'));
    const script = join(dir, 'close.mts');
    const index = resolve('src/index.ts');
    writeFileSync(
      script,
      [
        `import { createTransport } from ${JSON.stringify(index)};`,
        `const t = createTransport({ host: '127.0.0.1', port: ${ports.postfix}, security: 'none', clientName: 'client.test',`,
        `  onTranscript: (e) => { if (e.dir !== 'i') console.log(e.dir, e.line); } });`,
        `await t.send({ from: 'a@example.com', to: 'r-${token}@example.org', text: 'x' });`,
        `console.log('sent');`,
        `await t.close();`,
        `console.log('closed');`,
      ].join('\n'),
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 15_000 });
      const lines = stdout.trim().split('\n');
      expect(lines.slice(-4)).toEqual(['sent', 'C QUIT', expect.stringMatching(/^S 221 /), 'closed']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await delivered(token);
    }
  });
});
