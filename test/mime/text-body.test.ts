import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { encodeText } from '../../src/mime/text-body.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

// Strings built from the characters that decide the encoding: line breaks in every form, controls, TAB,
// printable ASCII, non-ASCII, and runs long enough to cross the 998-octet line limit.
const piece = fc.oneof(
  fc.constantFrom('\r\n', '\n', '\r', '\r\r\n', '\n\r', '\t', '\x00', '\x1b', '\x7f', 'é', '€', '😀', ' ', '.'),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 990, max: 1010 }).map((n) => 'a'.repeat(n)),
);
const text = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));

describe('encodeText', () => {
  it('gives the same encoding and bytes for a string as for its UTF-8 bytes (two scanners, one answer)', () => {
    fc.assert(
      fc.property(text, fc.boolean(), (s, allow8bit) => {
        const fromString = encodeText(s, { allow8bit });
        const fromBytes = encodeText(Buffer.from(s, 'utf8'), { allow8bit });
        expect(fromString.encoding).toBe(fromBytes.encoding);
        expect(fromString.body.equals(fromBytes.body)).toBe(true);
      }),
      { numRuns: fuzzRuns(400) },
    );
  });

  it('turns every bare CR and LF into CRLF and keeps 7bit for short ASCII lines', () => {
    const out = encodeText('a\nb\rc\r\nd\n');
    expect(out.encoding).toBe('7bit');
    expect(out.body.toString('latin1')).toBe('a\r\nb\r\nc\r\nd\r\n');
  });

  it('leaves 7bit at 998 octets a line and at a control character', () => {
    expect(encodeText(`${'a'.repeat(998)}\n`).encoding).toBe('7bit');
    expect(encodeText(`${'a'.repeat(999)}\n`).encoding).not.toBe('7bit');
    expect(encodeText('bell\x07').encoding).not.toBe('7bit');
    expect(encodeText('tab\there').encoding).toBe('7bit');
  });

  it('counts line length in octets, not characters, for non-ASCII text', () => {
    // 500 two-octet characters: 1,000 octets, over the limit although only 500 characters.
    expect(encodeText('é'.repeat(500), { allow8bit: true }).encoding).not.toBe('8bit');
    expect(encodeText('é'.repeat(499), { allow8bit: true }).encoding).toBe('8bit');
  });
});
