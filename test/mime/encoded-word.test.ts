import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { encodeWords, isPlainHeaderText } from '../../src/mime/encoded-word.js';

/** Reference decoder for our output (UTF-8, B or Q). */
function decodeWord(word: string): Buffer {
  const m = /^=\?UTF-8\?([BQ])\?([^?]*)\?=$/.exec(word);
  expect(m, word).not.toBeNull();
  if (m![1] === 'B') return Buffer.from(m![2]!, 'base64');
  return Buffer.from(m![2]!.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
}

describe('encoded-words', () => {
  it('uses Q for mostly-ASCII text and B for mostly non-ASCII', () => {
    expect(encodeWords('Réunion de lundi matin')).toEqual(['=?UTF-8?Q?R=C3=A9union_de_lundi_matin?=']);
    expect(encodeWords('Café')).toEqual(['=?UTF-8?B?Q2Fmw6k=?=']); // 20 characters against Q's 21
    expect(encodeWords('日本語のテキスト')[0]).toMatch(/^=\?UTF-8\?B\?/);
    expect(encodeWords('')).toEqual([]);
  });
  it('escapes characters that mean something in Q or in a phrase', () => {
    const [w] = encodeWords('Abcdefghijklmnopqrstuvwxyz abcdefghij_=?"\u00e9');
    expect(w).toBe('=?UTF-8?Q?Abcdefghijklmnopqrstuvwxyz_abcdefghij=5F=3D=3F=22=C3=A9?=');
  });
  it('honours a shorter first word', () => {
    const words = encodeWords('é'.repeat(100), 40);
    expect(words[0]!.length).toBeLessThanOrEqual(40);
    expect(words.slice(1).every((w) => w.length <= 75)).toBe(true);
  });
  it('property: words are <= 75 chars, each decodes to whole characters, all decode to the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), fc.integer({ min: 24, max: 75 }), (text, first) => {
        const words = encodeWords(text, first);
        expect(words[0]!.length).toBeLessThanOrEqual(first);
        const parts = words.map((w) => {
          expect(w.length).toBeLessThanOrEqual(75);
          expect(w).toMatch(/^[\x21-\x7e]+$/);
          const bytes = decodeWord(w);
          expect(Buffer.from(bytes.toString('utf8'))).toEqual(bytes); // never splits a UTF-8 sequence
          return bytes.toString('utf8');
        });
        expect(parts.join('')).toBe(text);
      }),
    );
  });
  it('decodes with postal-mime', async () => {
    const text = 'Grüße, 日本 😀 "quoted" _under_ =?x?= end';
    const parsed = await PostalMime.parse(`Subject: ${encodeWords(text).join('\r\n ')}\r\n\r\nx`);
    expect(parsed.subject).toBe(text);
  });
  it('knows plain header text', () => {
    expect(isPlainHeaderText('Hello world')).toBe(true);
    for (const t of ['Héllo', ' lead', 'trail ', 'two  spaces', 'has =?utf-8?q?x?= word', 'tab\there']) {
      expect(isPlainHeaderText(t), t).toBe(false);
    }
  });
});
