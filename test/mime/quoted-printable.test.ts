import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { QuotedPrintableEncoder, encodeQuotedPrintable } from '../../src/mime/quoted-printable.js';

/** A strict reference decoder (RFC 2045 6.7). */
function decodeQp(text: string): Buffer {
  const out: number[] = [];
  const lines = text.split('\r\n');
  lines.forEach((line, n) => {
    let soft = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '=') {
        if (i === line.length - 1) {
          soft = true;
          break;
        }
        const hex = line.slice(i + 1, i + 3);
        expect(hex).toMatch(/^[0-9A-F]{2}$/);
        out.push(parseInt(hex, 16));
        i += 2;
      } else {
        out.push(c.charCodeAt(0));
      }
    }
    if (!soft && n < lines.length - 1) out.push(13, 10);
  });
  return Buffer.from(out);
}

const crlf = (s: string): string => s.replace(/\r\n|\r|\n/g, '\r\n');

function checkShape(encoded: string): void {
  for (const line of encoded.split('\r\n')) {
    expect(line.length).toBeLessThanOrEqual(76);
    expect(line).not.toMatch(/[ \t]$/); // trailing white space would be stripped by transports
    expect(line).toMatch(/^[\x21-\x7e \t]*$/);
  }
  expect(encoded).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
}

describe('quoted-printable', () => {
  it('encodes the classic cases', () => {
    expect(encodeQuotedPrintable(Buffer.from('a=b')).toString()).toBe('a=3Db');
    expect(encodeQuotedPrintable(Buffer.from('end ')).toString()).toBe('end=20');
    expect(encodeQuotedPrintable(Buffer.from('tab\t\nx')).toString()).toBe('tab=09\r\nx');
    expect(encodeQuotedPrintable(Buffer.from('é')).toString()).toBe('=C3=A9');
    expect(encodeQuotedPrintable(Buffer.from('a\nb\rc\r\nd')).toString()).toBe('a\r\nb\r\nc\r\nd');
    expect(encodeQuotedPrintable(Buffer.from('a\0b')).toString()).toBe('a=00b');
  });
  it('soft-breaks long lines at 76 characters', () => {
    const enc = encodeQuotedPrintable(Buffer.from('x'.repeat(200))).toString();
    checkShape(enc);
    expect(enc.split('\r\n')[0]).toBe('x'.repeat(75) + '=');
    expect(decodeQp(enc).toString()).toBe('x'.repeat(200));
  });
  it('never splits a UTF-8 character or an escape across a soft break', () => {
    const text = 'aa' + '€'.repeat(60) + ' 😀'.repeat(30);
    const enc = encodeQuotedPrintable(Buffer.from(text)).toString();
    checkShape(enc);
    for (const line of enc.split('\r\n')) {
      const body = line.endsWith('=') ? line.slice(0, -1) : line;
      // every line decodes to complete UTF-8 on its own
      const bytes = decodeQp(body);
      expect(Buffer.from(bytes.toString('utf8'), 'utf8')).toEqual(bytes);
    }
    expect(decodeQp(enc).toString()).toBe(text);
  });
  it('gives the same output fed at every split point', () => {
    const input = Buffer.from('héllo wörld \r\n tab\there\rcr only\nlf  \n' + '€'.repeat(40) + ' end \r');
    const whole = encodeQuotedPrintable(input);
    for (let i = 0; i <= input.length; i++) {
      const enc = new QuotedPrintableEncoder();
      const got = Buffer.concat([enc.push(input.subarray(0, i)), enc.push(input.subarray(i)), enc.end()]);
      expect(got.toString(), `split at ${i}`).toBe(whole.toString());
    }
  });
  it('property: decodes back to the CRLF-normalized input, any chunking', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.array(fc.nat(1200), { maxLength: 5 }), (text, cuts) => {
        const data = Buffer.from(text);
        const whole = encodeQuotedPrintable(data).toString();
        checkShape(whole);
        expect(decodeQp(whole).toString()).toBe(crlf(text));
        const enc = new QuotedPrintableEncoder();
        const parts: Buffer[] = [];
        let at = 0;
        for (const c of cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b)) {
          parts.push(enc.push(data.subarray(at, c)));
          at = c;
        }
        parts.push(enc.push(data.subarray(at)), enc.end());
        expect(Buffer.concat(parts).toString()).toBe(whole);
      }),
    );
  });
  it('property: binary input round-trips byte for byte (no line breaks)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (arr) => {
        const data = Buffer.from(arr.filter((b) => b !== 13 && b !== 10));
        const enc = encodeQuotedPrintable(data).toString();
        checkShape(enc);
        expect(decodeQp(enc)).toEqual(data);
      }),
    );
  });
});
