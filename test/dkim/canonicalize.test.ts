import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BodyCanonicalizer, canonicalizeBody, canonicalizeHeader, type Canon } from '../../src/dkim/canonicalize.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const text = (b: Buffer): string => b.toString('latin1');

/**
 * RFC 6376 3.4 written the obvious way (whole body, regular expressions), to hold the streaming state
 * machine to: the two are written differently on purpose.
 */
function reference(body: string, canon: Canon): string {
  let lines = body.replace(/\r\n|\r|\n/g, '\n').split('\n');
  // split() leaves one '' after a final line end, which is not a line.
  if (lines[lines.length - 1] === '') lines.pop();
  if (canon === 'relaxed') lines = lines.map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return canon === 'simple' ? '\r\n' : '';
  return lines.map((l) => `${l}\r\n`).join('');
}

function chunked(body: Buffer, cuts: number[], canon: Canon): string {
  const out: Buffer[] = [];
  const c = new BodyCanonicalizer(canon, (b) => out.push(Buffer.from(b)));
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    c.push(body.subarray(at, cut));
    at = cut;
  }
  c.push(body.subarray(at));
  c.end();
  return text(Buffer.concat(out));
}

describe('header canonicalization (RFC 6376 3.4.1, 3.4.2)', () => {
  it('reproduces the example of 3.4.5', () => {
    expect(canonicalizeHeader('A: X\r\n', 'relaxed') + canonicalizeHeader('B : Y\t\r\n\tZ  \r\n', 'relaxed')).toBe('a:X\r\nb:Y Z\r\n');
    expect(canonicalizeHeader('B : Y\t\r\n\tZ  \r\n', 'simple')).toBe('B : Y\t\r\n\tZ  \r\n');
  });
  it('keeps 8-bit bytes, including 0xA0, which trim() would eat', () => {
    expect(canonicalizeHeader('Subject: \xa0caf\xc3\xa9 \xa0\r\n', 'relaxed')).toBe('subject:\xa0caf\xc3\xa9 \xa0\r\n');
  });
  it('lower-cases only the name and removes space before the colon', () => {
    expect(canonicalizeHeader('SUBJECT \t:  Hello   World\r\n', 'relaxed')).toBe('subject:Hello World\r\n');
  });
  it('an empty value stays empty', () => {
    expect(canonicalizeHeader('X-Empty:   \r\n', 'relaxed')).toBe('x-empty:\r\n');
  });
});

describe('body canonicalization (RFC 6376 3.4.3, 3.4.4)', () => {
  it('reproduces the example of 3.4.5', () => {
    const body = bytes(' C \r\nD \t E\r\n\r\n\r\n');
    expect(text(canonicalizeBody(body, 'relaxed'))).toBe(' C\r\nD E\r\n');
    expect(text(canonicalizeBody(body, 'simple'))).toBe(' C \r\nD \t E\r\n');
  });
  it('empty body: simple is one CRLF, relaxed is nothing', () => {
    expect(text(canonicalizeBody(bytes(''), 'simple'))).toBe('\r\n');
    expect(text(canonicalizeBody(bytes(''), 'relaxed'))).toBe('');
    expect(text(canonicalizeBody(bytes('\r\n\r\n'), 'simple'))).toBe('\r\n');
    expect(text(canonicalizeBody(bytes(' \t\r\n \r\n'), 'relaxed'))).toBe('');
  });
  it('a last line without a line end gets one', () => {
    expect(text(canonicalizeBody(bytes('a\r\nlast'), 'simple'))).toBe('a\r\nlast\r\n');
    expect(text(canonicalizeBody(bytes('a\r\nlast  '), 'relaxed'))).toBe('a\r\nlast\r\n');
  });
  it('reads bare CR and bare LF as line ends, as the wire sends them', () => {
    expect(text(canonicalizeBody(bytes('a\nb\rc\r\r\nd'), 'simple'))).toBe('a\r\nb\r\nc\r\n\r\nd\r\n');
  });
  it('dot-leading lines are hashed unstuffed', () => {
    expect(text(canonicalizeBody(bytes('.\r\n..x\r\n'), 'relaxed'))).toBe('.\r\n..x\r\n');
  });
  it('keeps empty lines in the middle, drops them at the end', () => {
    expect(text(canonicalizeBody(bytes('a\r\n\r\n\r\nb\r\n\r\n'), 'relaxed'))).toBe('a\r\n\r\n\r\nb\r\n');
  });
  it('gives the same output for a long body as the reference (outputs over the 64 KiB buffer)', () => {
    const line = 'x \t'.repeat(40) + 'y\r\n';
    const body = line.repeat(3000) + '\r\n\r\n';
    for (const canon of ['simple', 'relaxed'] as const) expect(text(canonicalizeBody(bytes(body), canon))).toBe(reference(body, canon));
  });

  const alphabet = fc.constantFrom('a', '.', ' ', '\t', '\r', '\n', '\r\n', '\xa0', '\xff');
  const body = fc.array(alphabet, { maxLength: 60 }).map((a) => a.join(''));
  for (const canon of ['simple', 'relaxed'] as const) {
    it(`${canon}: matches the reference at every chunk split point`, () => {
      fc.assert(
        fc.property(body, (b) => {
          const buf = bytes(b);
          const want = reference(b, canon);
          expect(text(canonicalizeBody(buf, canon))).toBe(want);
          for (let cut = 0; cut <= buf.length; cut++) expect(chunked(buf, [cut], canon)).toBe(want);
        }),
        { numRuns: fuzzRuns(300) },
      );
    });
    it(`${canon}: matches the reference split into many chunks, one byte chunks included`, () => {
      fc.assert(
        fc.property(body, fc.array(fc.nat({ max: 60 }), { maxLength: 10 }), (b, cuts) => {
          const buf = bytes(b);
          const want = reference(b, canon);
          expect(chunked(buf, cuts.map((c) => Math.min(c, buf.length)), canon)).toBe(want);
          expect(chunked(buf, [...buf.keys()], canon)).toBe(want);
        }),
        { numRuns: fuzzRuns(300) },
      );
    });
  }
});
