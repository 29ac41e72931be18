import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { composeToBuffer, prepareMessage, type MailMessage } from '../../src/mime/index.js';
import { bytes, expectSameText, expectWellFormed, headerPairs, parse } from './helpers.js';

const base: MailMessage = { from: 'sender@example.com', to: 'rcpt@example.com', subject: 'Hi', text: 'Hello' };

// Header text: any Unicode without control characters (those are refused by design, tested below).
const headerText = (max: number) =>
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((s) => !/[\p{Cc}]/u.test(s));
const RUNS = { numRuns: 60 };

describe('properties: random Unicode round-trips through postal-mime', () => {
  it('subjects', async () => {
    await fc.assert(
      fc.asyncProperty(headerText(300), async (subject) => {
        const raw = await composeToBuffer({ ...base, subject });
        expectWellFormed(raw);
        expect((await parse(raw)).subject).toBe(subject);
      }),
      RUNS,
    );
  });
  it('display names', async () => {
    await fc.assert(
      fc.asyncProperty(headerText(120).filter((s) => s.trim() === s), headerText(120).filter((s) => s.trim() === s), async (a, b) => {
        const raw = await composeToBuffer({ ...base, from: { name: a, address: 'a@example.com' }, to: [{ name: b, address: 'b@example.com' }, 'c@example.com'] });
        expectWellFormed(raw);
        const p = await parse(raw);
        expect(p.from).toEqual({ name: a, address: 'a@example.com' });
        expect(p.to).toEqual([{ name: b, address: 'b@example.com' }, { name: '', address: 'c@example.com' }]);
      }),
      RUNS,
    );
  });
  it('text and html bodies (any characters, any line breaks)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 3000 }), fc.string({ unit: 'grapheme', maxLength: 500 }), fc.boolean(), async (text, html, allow8bit) => {
        const raw = await composeToBuffer({ ...base, text: text === '' ? 'x' : text, html: `<p>${html}</p>` }, { allow8bit });
        expectWellFormed(raw);
        const p = await parse(raw);
        expectSameText(p.text, text === '' ? 'x' : text);
        expectSameText(p.html, `<p>${html}</p>`);
      }),
      RUNS,
    );
  });
  it('attachment filenames and bytes', async () => {
    await fc.assert(
      fc.asyncProperty(headerText(150).filter((s) => s.trim() === s), fc.uint8Array({ maxLength: 3000 }), async (filename, content) => {
        const raw = await composeToBuffer({ ...base, attachments: [{ filename, content }] });
        expectWellFormed(raw);
        const [att] = (await parse(raw)).attachments;
        expect(att?.filename).toBe(filename);
        expect(bytes(att!.content)).toEqual(Buffer.from(content));
      }),
      RUNS,
    );
  });
  it('size is exact and every line <= 998 for random long words', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 500, maxLength: 3000 }), fc.string({ maxLength: 900 }), async (word, value) => {
        const msg: MailMessage = {
          ...base,
          subject: word.replace(/[\p{Cc}]/gu, '').slice(0, 998),
          text: word,
          headers: { 'X-Long': value.replace(/[\p{Cc}]/gu, '') },
          attachments: [{ filename: `${word.replace(/[\p{Cc}]/gu, '').slice(0, 300)}.txt`, content: word }],
        };
        const prepared = await prepareMessage(msg);
        const raw = await prepared.toBuffer();
        expectWellFormed(raw);
        expect(prepared.size).toBe(raw.length);
      }),
      { numRuns: 40 },
    );
  });
});

describe('properties: injected CR/LF/NUL never reach the output unescaped', () => {
  const evil = fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\r', '\n', '\0', '\r\n', '\r\nBcc: evil@x.com\r\n', '\nX-Injected: 1'), fc.string({ maxLength: 20 }))
    .map(([a, c, b]) => a + c + b);
  const fields: Array<[string, (s: string) => MailMessage]> = [
    ['subject', (s) => ({ ...base, subject: s })],
    ['from name', (s) => ({ ...base, from: { name: s, address: 'a@example.com' } })],
    ['to string', (s) => ({ ...base, to: `${s} <b@example.com>` })],
    ['to address', (s) => ({ ...base, to: { address: `b${s}@example.com` } })],
    ['cc', (s) => ({ ...base, cc: s })],
    ['replyTo', (s) => ({ ...base, replyTo: [s] })],
    ['header value', (s) => ({ ...base, headers: { 'X-V': s } })],
    ['header name', (s) => ({ ...base, headers: [[`X-${s}`, 'v']] })],
    ['filename', (s) => ({ ...base, attachments: [{ filename: s, content: 'x' }] })],
    ['cid', (s) => ({ ...base, html: '<p/>', attachments: [{ cid: s, content: 'x' }] })],
    ['contentType', (s) => ({ ...base, attachments: [{ contentType: `text/plain${s}`, content: 'x' }] })],
    ['messageId', (s) => ({ ...base, messageId: `<a${s}@b>` })],
    ['inReplyTo', (s) => ({ ...base, inReplyTo: `<a${s}@b>` })],
    ['references', (s) => ({ ...base, references: [`<a${s}@b>`] })],
    ['envelope.from', (s) => ({ ...base, envelope: { from: `a${s}@example.com` } })],
    ['envelope.to', (s) => ({ ...base, envelope: { to: [`a${s}@example.com`] } })],
    ['ical filename', (s) => ({ ...base, icalEvent: { content: 'x', filename: s } })],
  ];
  for (const [name, build] of fields) {
    it(`${name}: refused with EGUARD`, async () => {
      await fc.assert(
        fc.asyncProperty(evil, async (s) => {
          const err = await prepareMessage(build(s)).then(() => undefined, (e: unknown) => e);
          expect(err).toMatchObject({ code: 'EGUARD' });
        }),
        { numRuns: 40 },
      );
    });
  }
  it('bodies: line breaks are content, never headers', async () => {
    await fc.assert(
      fc.asyncProperty(evil, evil, async (text, html) => {
        const raw = await composeToBuffer({ ...base, text, html });
        expectWellFormed(raw);
        const names = headerPairs(raw).map(([k]) => k);
        expect(names).not.toContain('bcc');
        expect(names).not.toContain('x-injected');
        const p = await parse(raw);
        expect(p.headers.some((h) => h.key === 'x-injected' || h.key === 'bcc')).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});
