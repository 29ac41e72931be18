import { describe, it, expect } from 'vitest';
import { Readable } from 'node:stream';
import { compose, composeToBuffer, prepareMessage, type MailMessage } from '../../src/mime/index.js';
import { rejection } from '../helpers/expect-error.js';
import { bytes, expectSameText, expectWellFormed, headerPairs, parse } from './helpers.js';

const base: MailMessage = { from: 'sender@example.com', to: 'rcpt@example.com', subject: 'Hi', text: 'Hello' };

describe('compose: a full message read back by postal-mime', () => {
  const pdf = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 255));
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]);
  const message: MailMessage = {
    from: 'Team Bé <noreply@bücher.example>',
    sender: 'bounce@example.com',
    to: ['a@example.com', '"Doe, John" <j@example.com>', { name: '日本 太郎', address: 'taro@example.jp' }],
    cc: 'undisclosed-recipients:;',
    bcc: ['hidden@example.com', 'a@example.com'],
    replyTo: 'Support <support@example.com>',
    subject: 'Héllo wörld — a subject long enough that it has to be folded over more than one line 😀',
    text: 'Plain body\nwith ünïcode\n',
    html: '<p>Hello <b>wörld</b> <img src="cid:logo@mw"></p>',
    attachments: [
      { filename: 'report.pdf', content: pdf },
      { filename: 'résumé été.txt', content: 'text attachment' },
      { filename: 'logo.png', content: png, cid: 'logo@mw' },
      { filename: 'data.bin', content: Buffer.from('hello').toString('base64'), encoding: 'base64', contentType: 'application/x-custom' },
    ],
    icalEvent: { method: 'request', content: 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n' },
    headers: { 'X-Campaign': 'q3', 'X-Note': 'ünïcode value' },
    priority: 'high',
    messageId: 'fixed-id@example.com',
    date: new Date('2024-02-29T12:34:56Z'),
    inReplyTo: '<parent@example.com>',
    references: ['<root@example.com>', 'parent@example.com'],
  };

  it('round-trips headers, names, bodies and attachments', async () => {
    const raw = await composeToBuffer(message);
    expectWellFormed(raw);
    const p = await parse(raw);
    expect(p.from).toEqual({ name: 'Team Bé', address: 'noreply@xn--bcher-kva.example' });
    expect(p.sender).toEqual({ name: '', address: 'bounce@example.com' });
    expect(p.to).toEqual([
      { name: '', address: 'a@example.com' },
      { name: 'Doe, John', address: 'j@example.com' },
      { name: '日本 太郎', address: 'taro@example.jp' },
    ]);
    expect(p.cc).toEqual([{ name: 'undisclosed-recipients', group: [] }]);
    expect(p.bcc).toBeUndefined();
    expect(p.replyTo).toEqual([{ name: 'Support', address: 'support@example.com' }]);
    expect(p.subject).toBe(message.subject);
    expect(p.messageId).toBe('<fixed-id@example.com>');
    expect(p.date).toBe('2024-02-29T12:34:56.000Z');
    expect(p.inReplyTo).toBe('<parent@example.com>');
    expect(p.references).toBe('<root@example.com> <parent@example.com>');
    expectSameText(p.text, 'Plain body\nwith ünïcode\n');
    expectSameText(p.html, message.html as string);
    const byName = new Map(p.attachments.map((a) => [a.filename ?? a.mimeType, a]));
    expect(bytes(byName.get('report.pdf')!.content)).toEqual(pdf);
    expect(byName.get('report.pdf')!.mimeType).toBe('application/pdf');
    expect(byName.get('report.pdf')!.disposition).toBe('attachment');
    expect(bytes(byName.get('résumé été.txt')!.content).toString()).toBe('text attachment');
    expect(byName.get('résumé été.txt')!.mimeType).toBe('text/plain');
    const logo = byName.get('logo.png')!;
    expect(bytes(logo.content)).toEqual(png);
    expect(logo.contentId).toBe('<logo@mw>');
    expect(logo.disposition).toBe('inline');
    expect(logo.related).toBe(true);
    expect(bytes(byName.get('data.bin')!.content).toString()).toBe('hello');
    expect(byName.get('data.bin')!.mimeType).toBe('application/x-custom');
    const cal = byName.get('text/calendar')!;
    expect(cal.method).toBe('REQUEST');
    expect(bytes(cal.content).toString()).toContain('METHOD:REQUEST');
    const headers = new Map(p.headers.map((h) => [h.key, h.value]));
    expect(headers.get('x-campaign')).toBe('q3');
    expect(headers.get('x-priority')).toBe('1 (Highest)');
    expect(headers.get('importance')).toBe('High');
    expect(headers.get('x-msmail-priority')).toBe('High');
    expect(headers.get('mime-version')).toBe('1.0');
    expect(p.headers.find((h) => h.key === 'x-note')).toBeDefined();
  });

  it('never writes Bcc into the headers but puts it in the envelope, de-duplicated', async () => {
    const prepared = await prepareMessage(message);
    const raw = await prepared.toBuffer();
    expect(raw.toString()).not.toMatch(/hidden@example\.com/);
    expect(headerPairs(raw).some(([k]) => k === 'bcc')).toBe(false);
    expect(prepared.envelope).toEqual({
      from: 'bounce@example.com', // Sender wins over From for the reverse-path
      to: ['a@example.com', 'j@example.com', 'taro@example.jp', 'hidden@example.com'],
    });
  });

  it('nests the parts as mixed(alternative(text, related(html, inline), calendar), attachments)', async () => {
    const raw = (await composeToBuffer(message)).toString();
    const types = [...raw.matchAll(/^Content-Type: ([a-z/-]+)/gm)].map((m) => m[1]);
    expect(types).toEqual([
      'multipart/mixed', 'multipart/alternative', 'text/plain', 'multipart/related', 'text/html', 'image/png',
      'text/calendar', 'application/pdf', 'text/plain', 'application/x-custom',
    ]);
    expect(raw).toMatch(/X-Note: =\?UTF-8\?/);
  });

  it('knows its exact size and replays identical bytes with the same Message-ID', async () => {
    const prepared = await prepareMessage({ ...message, messageId: undefined });
    const a = await prepared.toBuffer();
    const chunks: Buffer[] = [];
    for await (const c of prepared.open()) chunks.push(c as Buffer);
    const b = Buffer.concat(chunks);
    expect(b).toEqual(a);
    expect(prepared.size).toBe(a.length);
    expect(prepared.replayable).toBe(true);
    expect(prepared.messageId).toMatch(/^<[0-9a-f-]{36}@xn--bcher-kva\.example>$/);
    expect(a.toString()).toContain(`Message-ID: ${prepared.messageId}`);
    expect(prepared.eightBit).toBe(false);
    expect(prepared.needsSmtpUtf8).toBe(false);
  });
});

describe('compose: bodies and transfer encodings', () => {
  async function partOf(msg: MailMessage): Promise<{ raw: string; cte: string | undefined }> {
    const raw = (await composeToBuffer(msg)).toString('latin1');
    return { raw, cte: /Content-Transfer-Encoding: (\S+)/.exec(raw)?.[1] };
  }
  it('text only: a single text/plain part, 7bit when ASCII', async () => {
    const { raw, cte } = await partOf(base);
    expect(cte).toBe('7bit');
    expect(raw).toMatch(/Content-Type: text\/plain; charset=utf-8\r\n/);
    expect(raw).not.toMatch(/multipart/);
  });
  it('html only: a single text/html part', async () => {
    const { raw } = await partOf({ ...base, text: undefined, html: '<b>x</b>' });
    expect(raw).toMatch(/Content-Type: text\/html; charset=utf-8/);
    expect(raw).not.toMatch(/multipart/);
  });
  it('no body at all: an empty text/plain part', async () => {
    const raw = await composeToBuffer({ from: 'a@x.com', to: 'b@x.com' });
    expectWellFormed(raw);
    expect((await parse(raw)).text ?? '').toMatch(/^\n?$/);
  });
  it('quoted-printable for mostly-ASCII UTF-8, base64 for mostly non-ASCII', async () => {
    expect((await partOf({ ...base, text: 'Grüße aus Köln, bis bald!' })).cte).toBe('quoted-printable');
    expect((await partOf({ ...base, text: '日本語のテキストです。よろしくお願いします。' })).cte).toBe('base64');
    const ja = await composeToBuffer({ ...base, text: '日本語のテキストです。' });
    expectSameText((await parse(ja)).text, '日本語のテキストです。');
  });
  it('8bit only when allow8bit is set (8BITMIME)', async () => {
    const prepared = await prepareMessage({ ...base, text: 'Grüße' }, { allow8bit: true });
    expect(prepared.eightBit).toBe(true);
    const raw = await prepared.toBuffer();
    expect(raw.toString()).toMatch(/Content-Transfer-Encoding: 8bit\r\n\r\nGrüße/);
    expectSameText((await parse(raw)).text, 'Grüße');
  });
  it('lines over 998 octets and control bytes force quoted-printable even for ASCII', async () => {
    const long = 'x'.repeat(5000);
    const r = await partOf({ ...base, text: long });
    expect(r.cte).toBe('quoted-printable');
    const raw = await composeToBuffer({ ...base, text: long });
    expectWellFormed(raw);
    expectSameText((await parse(raw)).text, long);
    expect((await partOf({ ...base, text: 'bell\x07' })).cte).toBe('quoted-printable');
  });
  it('normalizes bare LF and CR to CRLF', async () => {
    const raw = await composeToBuffer({ ...base, text: 'a\nb\rc\r\nd' });
    expectWellFormed(raw);
    expect(raw.toString()).toMatch(/\r\n\r\na\r\nb\r\nc\r\nd\r\n$/);
  });
  it('accepts Buffers as bodies', async () => {
    const raw = await composeToBuffer({ ...base, text: Buffer.from('from a buffer ü'), html: Buffer.from('<i>html</i>') });
    const p = await parse(raw);
    expectSameText(p.text, 'from a buffer ü');
    expectSameText(p.html, '<i>html</i>');
  });
  it('writes Date in RFC 5322 format and priority low/normal', async () => {
    const raw = await composeToBuffer({ ...base, date: '2001-09-09T01:46:40Z', priority: 'low' });
    const h = new Map(headerPairs(raw));
    expect(h.get('date')).toBe('Sun, 9 Sep 2001 01:46:40 +0000');
    expect(h.get('x-priority')).toBe('5 (Lowest)');
    expect(h.get('importance')).toBe('Low');
    const normal = new Map(headerPairs(await composeToBuffer({ ...base, priority: 'normal' })));
    expect(normal.get('x-priority')).toBe('3 (Normal)');
    const none = new Map(headerPairs(await composeToBuffer(base)));
    expect(none.has('x-priority')).toBe(false);
  });
});

describe('compose: envelope', () => {
  it('uses envelope overrides and allows the null sender', async () => {
    const p = await prepareMessage({ ...base, envelope: { from: '', to: ['x@example.com', 'Y <y@example.com>, x@example.com'] } });
    expect(p.envelope).toEqual({ from: '', to: ['x@example.com', 'y@example.com'] });
  });
  it('uses defaultFrom and IDN-converts the envelope', async () => {
    const p = await prepareMessage({ to: 'rcpt@bücher.example', text: 'x' }, { defaultFrom: 'Default <d@example.com>' });
    expect(p.envelope).toEqual({ from: 'd@example.com', to: ['rcpt@xn--bcher-kva.example'] });
  });
  it('composes non-ASCII local parts by default and flags the message; smtpUtf8: false refuses them', async () => {
    await expect(prepareMessage({ ...base, to: 'jöhn@example.com' }, { smtpUtf8: false })).rejects.toThrow(/to: non-ASCII local part .* needs SMTPUTF8/);
    const p = await prepareMessage({ ...base, to: 'jöhn@example.com' });
    expect(p.needsSmtpUtf8).toBe(true);
    expect(p.eightBit).toBe(true);
    expect(p.envelope.to).toEqual(['jöhn@example.com']);
    const raw = await p.toBuffer();
    expect(raw.toString('utf8')).toContain('To: jöhn@example.com');
  });
  it('requires a sender and a recipient', async () => {
    await expect(prepareMessage({ to: 'a@x.com' })).rejects.toThrow(/^from: /);
    await expect(prepareMessage({ from: 'a@x.com' })).rejects.toThrow(/at least one recipient/);
    await expect(prepareMessage({ ...base, from: 'a@x.com, b@x.com' })).rejects.toThrow(/exactly one/);
  });
  it('caps recipients', async () => {
    const to = Array.from({ length: 11 }, (_, i) => `r${i}@x.com`);
    await expect(prepareMessage({ ...base, to }, { limits: { maxRecipients: 10 } })).rejects.toThrow(/more than 10 recipients/);
  });
});

describe('compose: guards refuse before any byte', () => {
  const cases: Array<[string, MailMessage, RegExp]> = [
    ['subject', { ...base, subject: 'Hi\r\nBcc: evil@x.com' }, /^subject: control character CR/],
    ['subject cap', { ...base, subject: 'x'.repeat(999) }, /^subject: longer than 998/],
    ['from name', { ...base, from: { name: 'A\nB', address: 'a@x.com' } }, /^from\.address\.name|^from.*control/],
    ['to string', { ...base, to: 'a@x.com\r\nRCPT TO:<b@y.com>' }, /^to: control character/],
    ['to smuggling', { ...base, to: { address: 'a@x.com> SIZE=1' } }, /^to\.address: invalid address/],
    ['to list in object', { ...base, to: { address: 'a@x.com, b@x.com' } }, /^to\.address: invalid address/],
    ['source route', { ...base, to: '<@relay.example:a@x.com>' }, /source routes/],
    ['envelope.to', { ...base, envelope: { to: 'a@x.com\n' } }, /^envelope\.to\[0\]: control/],
    ['envelope.from', { ...base, envelope: { from: 'a@x.com SIZE=100' } }, /^envelope\.from: invalid address/],
    ['header value', { ...base, headers: { 'X-A': 'v\r\nBcc: e@x.com' } }, /^headers\.X-A: control character CR/],
    ['reserved header', { ...base, headers: { 'Content-Type': 'text/html' } }, /reserved header/],
    ['proto header', { ...base, headers: JSON.parse('{"__proto__":"x"}') as Record<string, string> }, /not an allowed header name/],
    ['messageId', { ...base, messageId: 'a@b\r\nX: y' }, /^messageId: control/],
    ['inReplyTo', { ...base, inReplyTo: 'nope' }, /^inReplyTo: /],
    ['references', { ...base, references: ['a@b', 'c@d\n'] }, /^references\[1\]: control/],
    ['date', { ...base, date: 'not a date' }, /^date: not a valid date/],
    ['priority', { ...base, priority: 'urgent' as 'high' }, /^priority: /],
    ['priority clash', { ...base, priority: 'low', headers: { 'X-Priority': '1' } }, /^headers\.X-Priority: conflicts/],
    ['filename', { ...base, attachments: [{ filename: 'a\r\nb.txt', content: 'x' }] }, /^attachments\[0\]\.filename: control/],
    ['cid', { ...base, attachments: [{ cid: 'a b', content: 'x' }] }, /^attachments\[0\]\.cid: /],
    ['contentType', { ...base, attachments: [{ contentType: 'text/plain\r\nX: y', content: 'x' }] }, /^attachments\[0\]\.contentType: control/],
    ['contentType syntax', { ...base, attachments: [{ contentType: 'nonsense', content: 'x' }] }, /is not type\/subtype/],
    ['multipart attachment', { ...base, attachments: [{ contentType: 'multipart/mixed', content: 'x' }] }, /multipart types/],
    ['part header', { ...base, attachments: [{ content: 'x', headers: { 'X-P': 'a\nb' } }] }, /^attachments\[0\]\.headers\.X-P: control/],
    ['part reserved header', { ...base, attachments: [{ content: 'x', headers: { 'content-id': 'x' } }] }, /reserved header/],
    ['two sources', { ...base, attachments: [{ content: 'x', path: '/etc/hostname' }] }, /exactly one of content, path or href/],
    ['no source', { ...base, attachments: [{ filename: 'x' }] }, /exactly one of content, path or href/],
    ['bad base64', { ...base, attachments: [{ content: 'not base64!', encoding: 'base64' }] }, /invalid base64/],
    ['bad hex', { ...base, attachments: [{ content: 'abc', encoding: 'hex' }] }, /invalid hex/],
    ['missing file', { ...base, attachments: [{ path: '/nonexistent/mailwire/file' }] }, /^attachments\[0\]\.path: cannot read .*ENOENT/],
    ['directory', { ...base, attachments: [{ path: '/' }] }, /not a regular file/],
    ['non-https href', { ...base, attachments: [{ href: 'http://example.com/x' }] }, /only https: URLs/],
    ['method', { ...base, attachments: [{ content: 'x', method: 'RE QUEST' }] }, /method: must be a token/],
    ['disposition', { ...base, attachments: [{ content: 'x', contentDisposition: 'evil' as 'inline' }] }, /contentDisposition/],
    ['ical method', { ...base, icalEvent: { method: 'A;B', content: 'x' } }, /icalEvent\.method/],
    ['dsn', { ...base, dsn: { ret: 'ALL' as 'FULL' } }, /^dsn\.ret/],
    ['text type', { ...base, text: 42 as unknown as string }, /^text: expected a string or a Buffer/],
  ];
  for (const [name, msg, pattern] of cases) {
    it(name, async () => {
      const err = await prepareMessage(msg).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toMatchObject({ code: 'EGUARD' });
      expect((err as Error).message).toMatch(pattern);
    });
  }
  it('refuses files and URLs when disabled', async () => {
    await expect(prepareMessage({ ...base, attachments: [{ path: '/etc/hostname' }] }, { disableFileAccess: true })).rejects.toThrow(/file access is disabled/);
    await expect(prepareMessage({ ...base, attachments: [{ href: 'https://x.example/a' }] }, { disableUrlAccess: true })).rejects.toThrow(/URL access is disabled/);
  });
  it('caps bodies, custom headers and the whole message', async () => {
    await expect(prepareMessage({ ...base, html: 'x'.repeat(101) }, { limits: { maxBodyBytes: 100 } })).rejects.toThrow(/^html: larger than 100/);
    await expect(prepareMessage({ ...base, attachments: [{ content: Buffer.alloc(2000) }] }, { limits: { maxMessageBytes: 2000 } })).rejects.toThrow(/maxMessageBytes/);
    const headers = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`X-${i}`, 'v']));
    await expect(prepareMessage({ ...base, headers }, { limits: { maxCustomHeaders: 2 } })).rejects.toThrow(/more than 2 custom headers/);
  });
  it('compose() emits the guard error on the stream', async () => {
    const stream = compose({ ...base, subject: 'a\nb' });
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toMatchObject({ code: 'EGUARD' });
  });
  it('compose() streams a valid message', async () => {
    const chunks: Buffer[] = [];
    for await (const c of compose(base)) chunks.push(c as Buffer);
    const p = await parse(Buffer.concat(chunks));
    expect(p.subject).toBe('Hi');
  });
});

describe('compose: attachment names', () => {
  it('a file attached by path alone is named after it (base name only) and typed by its extension; a given filename wins', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'mailwire-name-'));
    try {
      const file = join(dir, 'Quarterly report.pdf');
      await writeFile(file, 'pdf bytes');
      const raw = await composeToBuffer({ ...base, attachments: [{ path: file }, { path: file, filename: 'other.txt' }, { path: file, filename: '' }] });
      const p = await parse(raw);
      expect(p.attachments.map((a) => [a.filename, a.mimeType])).toEqual([
        ['Quarterly report.pdf', 'application/pdf'],
        ['other.txt', 'text/plain'],
        [null, 'application/octet-stream'],
      ]);
      expect(raw.includes(Buffer.from(dir))).toBe(false);
      const nullName = await rejection(prepareMessage({ ...base, attachments: [{ path: file, filename: null as unknown as string }] }));
      expect(nullName.message).toBe('attachments[0].filename: expected a string');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('compose: stream attachments', () => {
  it('encodes a Readable once; size unknown; second open refused', async () => {
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i & 255));
    const stream = Readable.from([data.subarray(0, 3333), data.subarray(3333, 7000), data.subarray(7000)]);
    const p = await prepareMessage({ ...base, attachments: [{ filename: 'x.bin', content: stream }] });
    expect(p.replayable).toBe(false);
    expect(p.size).toBeUndefined();
    const raw = await p.toBuffer();
    expectWellFormed(raw);
    const parsed = await parse(raw);
    expect(bytes(parsed.attachments[0]!.content)).toEqual(data);
    expect(() => p.open()).toThrow(/can only be opened once/);
  });
  it('accepts string chunks and refuses object chunks', async () => {
    const ok = await composeToBuffer({ ...base, attachments: [{ filename: 'a.txt', content: Readable.from(['ab', 'cd']) }] });
    expect(bytes((await parse(ok)).attachments[0]!.content).toString()).toBe('abcd');
    await expect(composeToBuffer({ ...base, attachments: [{ content: Readable.from([{ a: 1 }]) }] })).rejects.toThrow(/not bytes or a string/);
  });
  it('enforces maxMessageBytes while streaming', async () => {
    const big = Readable.from([Buffer.alloc(50_000), Buffer.alloc(50_000)]);
    await expect(composeToBuffer({ ...base, attachments: [{ content: big }] }, { limits: { maxMessageBytes: 60_000 } })).rejects.toThrow(/maxMessageBytes/);
  });
  it('passes a source stream error through', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await expect(composeToBuffer({ ...base, attachments: [{ content: failing }] })).rejects.toThrow(/disk on fire/);
  });
});
