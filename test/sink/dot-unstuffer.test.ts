import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DotUnstuffer } from '../../src/sink/dot-unstuffer.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

/** Feed `chunks`; return the content and where (in the concatenated input) the body ended, or -1. */
function run(chunks: Buffer[]): { content: string; end: number } {
  const parts: Buffer[] = [];
  const u = new DotUnstuffer((buf, start, end) => parts.push(Buffer.from(buf.subarray(start, end))));
  let offset = 0;
  for (const chunk of chunks) {
    const r = u.push(chunk, 0);
    if (r !== -1) return { content: Buffer.concat(parts).toString('latin1'), end: offset + r };
    offset += chunk.length;
  }
  return { content: Buffer.concat(parts).toString('latin1'), end: -1 };
}

/** Every way of cutting `input` into two pieces, plus one byte at a time. */
function splits(input: string): Buffer[][] {
  const b = Buffer.from(input, 'latin1');
  const out: Buffer[][] = [[b]];
  for (let i = 1; i < b.length; i++) out.push([b.subarray(0, i), b.subarray(i)]);
  out.push([...b].map((x) => Buffer.from([x])));
  return out;
}

/** Reference: the obvious line-by-line reading of RFC 5321 4.5.2 on a whole string. */
function reference(input: string): { content: string; end: number } {
  let pos = 0;
  let content = '';
  for (;;) {
    const nl = input.indexOf('\r\n', pos);
    if (nl === -1) return { content: content + input.slice(pos), end: -1 };
    const line = input.slice(pos, nl);
    if (line === '.') return { content, end: nl + 2 };
    content += (line.startsWith('.') ? line.slice(1) : line) + '\r\n';
    pos = nl + 2;
  }
}

const cases: Array<[string, string, string]> = [
  ['empty message', '.\r\n', ''],
  ['one line', 'Hello\r\n.\r\n', 'Hello\r\n'],
  ['stuffed dots', 'a\r\n..b\r\n..\r\n...\r\n.\r\n', 'a\r\n.b\r\n.\r\n..\r\n'],
  ['dot-started first line', '..x\r\n.\r\n', '.x\r\n'],
  ['dot then CR not LF', 'a\r\n.\rb\r\n.\r\n', 'a\r\n\rb\r\n'],
  ['dot then CR CR LF', 'a\r\n.\r\r\n.\r\n', 'a\r\n\r\r\n'],
  ['bare LF terminator is content', 'a\n.\nb\r\n.\r\n', 'a\n.\nb\r\n'],
  ['LF-dot-CRLF is not an end (smuggling)', 'a\n.\r\nb\r\n.\r\n', 'a\n.\r\nb\r\n'],
  ['CR-dot-CR is not an end', 'a\r.\rb\r\n.\r\n', 'a\r.\rb\r\n'],
  ['blank lines', '\r\n\r\n.\r\n', '\r\n\r\n'],
  ['dot inside a line', 'a.b\r\nc .\r\n.\r\n', 'a.b\r\nc .\r\n'],
];

describe('DotUnstuffer', () => {
  for (const [name, input, expected] of cases) {
    it(`${name}, at every split point`, () => {
      for (const chunks of splits(input)) {
        expect(run(chunks)).toEqual({ content: expected, end: input.length });
      }
    });
  }

  it('returns the offset of the bytes after the terminator, which are left alone', () => {
    const input = 'x\r\n.\r\nQUIT\r\n';
    for (const chunks of splits(input)) {
      const r = run(chunks);
      expect(r.content).toBe('x\r\n');
      expect(input.slice(r.end)).toBe('QUIT\r\n');
    }
  });

  it('reports -1 and keeps going while no terminator arrived', () => {
    const u = new DotUnstuffer(() => {});
    expect(u.push(Buffer.from('abc\r\n'), 0)).toBe(-1);
    expect(u.push(Buffer.from('.'), 0)).toBe(-1);
    expect(u.push(Buffer.from('\r'), 0)).toBe(-1);
    expect(u.push(Buffer.from('\n'), 0)).toBe(0 + 1);
  });

  it('starts at `start` and resets for the next message', () => {
    const seen: string[] = [];
    const u = new DotUnstuffer((b, s, e) => seen.push(b.toString('latin1', s, e)));
    const buf = Buffer.from('DATA\r\nbody\r\n.\r\n');
    expect(u.push(buf, 6)).toBe(buf.length);
    u.reset();
    expect(u.push(Buffer.from('.\r\n'), 0)).toBe(3);
    expect(seen.join('')).toBe('body\r\n');
  });

  it('agrees with the line-by-line reference on random input split at random points', () => {
    const alphabet = fc.constantFrom('a', '.', '\r', '\n', '\r\n', '\r\n.', '.\r\n', '\r\n.\r\n', '..');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), fc.array(fc.nat(60), { maxLength: 6 }), (pieces, cuts) => {
        const input = `${pieces.join('')}\r\n.\r\n`; // always ends somewhere
        const b = Buffer.from(input, 'latin1');
        const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, b.length]) {
          chunks.push(b.subarray(prev, p));
          prev = p;
        }
        const ref = reference(input);
        const got = run(chunks.filter((c) => c.length > 0));
        expect(got).toEqual(ref);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
