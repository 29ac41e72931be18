import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DotStuffer, LineEndingNormalizer, stuffNormalizedBody } from '../../src/protocol/dot-stuffer.js';
import { chunkings, concat, cutAt, enc } from './split.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

function stuff(chunks: Iterable<Uint8Array>, s = new DotStuffer()): string {
  const out: Uint8Array[] = [];
  for (const c of chunks) out.push(s.push(c));
  out.push(s.end());
  return concat(out).toString('latin1');
}

function normalize(chunks: Iterable<Uint8Array>, n = new LineEndingNormalizer()): string {
  const out: Uint8Array[] = [];
  for (const c of chunks) out.push(n.push(c));
  out.push(n.end());
  return concat(out).toString('latin1');
}

/** The reference model: what the stuffer must produce, written the slow, obvious way. */
function model(body: string, dots: boolean): string {
  const crlf = body.replace(/\r\n|\r|\n/g, '\r\n');
  const lines = crlf.split('\r\n');
  const stuffed = dots ? lines.map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n') : crlf;
  if (!dots) return stuffed === '' || stuffed.endsWith('\r\n') ? stuffed : stuffed + '\r\n';
  if (stuffed === '') return '.\r\n';
  return (stuffed.endsWith('\r\n') ? stuffed : stuffed + '\r\n') + '.\r\n';
}

/** What a server does: undo the stuffing and drop the terminator. */
function unstuff(wire: string): string {
  expect(wire.endsWith('.\r\n')).toBe(true);
  const body = wire.slice(0, -3);
  expect(body === '' || body.endsWith('\r\n')).toBe(true);
  return body
    .split('\r\n')
    .map((l) => (l.startsWith('.') ? l.slice(1) : l))
    .join('\r\n');
}

const CASES: Array<[string, string]> = [
  ['', '.\r\n'],
  ['a', 'a\r\n.\r\n'],
  ['a\r\n', 'a\r\n.\r\n'],
  ['.', '..\r\n.\r\n'],
  ['.\r\n', '..\r\n.\r\n'],
  ['\r\n', '\r\n.\r\n'],
  ['\r\n\r\n', '\r\n\r\n.\r\n'],
  ['a\nb', 'a\r\nb\r\n.\r\n'],
  ['a\rb', 'a\r\nb\r\n.\r\n'],
  ['a\r\r\nb', 'a\r\n\r\nb\r\n.\r\n'],
  ['a\n\rb', 'a\r\n\r\nb\r\n.\r\n'],
  ['..x\r\n.y\r\nz.\r\n', '...x\r\n..y\r\nz.\r\n.\r\n'],
  // Smuggling attempts: every one must come out as harmless, stuffed CRLF lines.
  ['a\n.\r\nMAIL FROM:<x@y>\r\n', 'a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n'],
  ['a\r\n.\nMAIL FROM:<x@y>\r\n', 'a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n'],
  ['a\r.\rb', 'a\r\n..\r\nb\r\n.\r\n'],
  ['a\r\n.\r\n', 'a\r\n..\r\n.\r\n'],
  ['a\r\n.\r', 'a\r\n..\r\n.\r\n'],
  ['\n.\n', '\r\n..\r\n.\r\n'],
];

describe('DotStuffer', () => {
  for (const [input, want] of CASES) {
    it(`${JSON.stringify(input)} at every split point`, () => {
      expect(model(input, true)).toBe(want); // the model agrees with the hand-written table
      const bytes = enc(input);
      expect(stuff([bytes])).toBe(want);
      for (const { name, chunks } of chunkings(bytes)) expect(stuff(chunks), name).toBe(want);
    });
  }

  it('returns the very same chunk when nothing changes (fast path)', () => {
    const s = new DotStuffer();
    const chunk = enc('Subject: x\r\n\r\nhello\r\n');
    expect(s.push(chunk)).toBe(chunk);
    const mid = enc('more text. with dots.\r\n');
    expect(s.push(mid)).toBe(mid);
  });

  it('leaves the caller chunk untouched when it must change', () => {
    const chunk = enc('a\n.b');
    const copy = Buffer.from(chunk);
    const out = new DotStuffer().push(chunk);
    expect(Buffer.from(out).toString('latin1')).toBe('a\r\n..b');
    expect(chunk.equals(copy)).toBe(true);
  });

  it('handles a CR ending one chunk and an LF starting the next as one line end', () => {
    const s = new DotStuffer();
    const parts = [s.push(enc('a\r')), s.push(enc('\n.b\r')), s.push(enc('\n')), s.push(enc('c')), s.end()];
    expect(concat(parts).toString('latin1')).toBe('a\r\n..b\r\nc\r\n.\r\n');
  });

  it('a chunk that is only the second half of a CRLF yields nothing', () => {
    const s = new DotStuffer();
    s.push(enc('a\r'));
    expect(s.push(enc('\n'))).toHaveLength(0);
    expect(Buffer.from(s.end()).toString()).toBe('.\r\n');
  });

  it('skips empty chunks without losing state', () => {
    const s = new DotStuffer();
    const parts = [s.push(enc('a\r')), s.push(new Uint8Array(0)), s.push(enc('\n.')), s.end()];
    expect(concat(parts).toString('latin1')).toBe('a\r\n..\r\n.\r\n');
  });

  it('counts bytesOut including the terminator, and can be reused after end()', () => {
    const s = new DotStuffer();
    const out = stuff([enc('.a\nb')], s);
    expect(s.bytesOut).toBe(out.length);
    expect(stuff([enc('.x')], s)).toBe('..x\r\n.\r\n');
    expect(s.bytesOut).toBe(out.length + 8);
    s.reset();
    expect(s.bytesOut).toBe(0);
  });

  it('end() right after a chunk ending in CR does not add a blank line', () => {
    expect(stuff([enc('a\r')])).toBe('a\r\n.\r\n');
  });

  it('works on plain Uint8Array views at an offset', () => {
    const backing = new Uint8Array(enc('XXa\n.bYY'));
    const view = new Uint8Array(backing.buffer, 2, 4);
    expect(stuff([view])).toBe('a\r\n..b\r\n.\r\n');
  });

  it('handles a large body with many edits', () => {
    const body = ('.line\n' + 'x'.repeat(70) + '\r').repeat(5000);
    expect(stuff([enc(body)])).toBe(model(body, true));
  });
});

describe('LineEndingNormalizer', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['a', 'a\r\n'],
    ['.a\n.\n', '.a\r\n.\r\n'],
    ['a\rb\r', 'a\r\nb\r\n'],
    ['a\r\n', 'a\r\n'],
    ['\r\n.\r\n', '\r\n.\r\n'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} at every split point`, () => {
      expect(model(input, false)).toBe(want);
      for (const { name, chunks } of chunkings(enc(input))) expect(normalize(chunks), name).toBe(want);
    });
  }

  it('returns the same chunk when nothing changes and counts bytes', () => {
    const n = new LineEndingNormalizer();
    const chunk = enc('.a\r\n');
    expect(n.push(chunk)).toBe(chunk);
    expect(n.push(enc('b'))).toHaveLength(1);
    expect(Buffer.from(n.end()).toString()).toBe('\r\n');
    expect(n.bytesOut).toBe(7);
  });
});

describe('properties', () => {
  // Bodies rich in the bytes that matter.
  const body = fc
    .array(fc.constantFrom('\r', '\n', '.', 'a', '\u00e9', '\r\n', '\r\n.', '\n.', 'MAIL'), { maxLength: 60 })
    .map((parts) => parts.join(''));
  const chunked = (s: string, cuts: number[]): Uint8Array[] => cutAt(enc(s), cuts);

  it('DotStuffer output has no bare CR/LF, unstuffs to the CRLF-normalised input, ends with one terminator', () => {
    fc.assert(
      fc.property(fc.oneof(body, fc.string({ maxLength: 80 })), fc.array(fc.nat(), { maxLength: 12 }), (s, cuts) => {
        const stuffer = new DotStuffer();
        const wire = stuff(chunked(s, cuts), stuffer);
        expect(stuffer.bytesOut).toBe(Buffer.byteLength(wire, 'latin1'));
        expect(/\r(?!\n)|(?<!\r)\n/.test(wire)).toBe(false);
        const normalised = s.replace(/\r\n|\r|\n/g, '\r\n');
        const body = unstuff(wire);
        expect(Buffer.from(body, 'latin1').toString('utf8')).toBe(
          normalised === '' || normalised.endsWith('\r\n') ? normalised : normalised + '\r\n',
        );
        // The only CRLF.CRLF is the terminator (or the whole output is ".\r\n" for an empty body).
        const first = ('\r\n' + wire).indexOf('\r\n.\r\n');
        expect(first).toBe(wire.length + 2 - 5);
        expect(wire).toBe(Buffer.from(model(s, true), 'utf8').toString('latin1'));
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('LineEndingNormalizer matches the model in any chunking', () => {
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 12 }), (s, cuts) => {
        const n = new LineEndingNormalizer();
        const wire = normalize(chunked(s, cuts), n);
        expect(wire).toBe(Buffer.from(model(s, false), 'utf8').toString('latin1'));
        expect(n.bytesOut).toBe(Buffer.byteLength(wire, 'latin1'));
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('stuffNormalizedBody on a normalised body gives exactly what DotStuffer gives (the in-memory DATA path)', () => {
    fc.assert(
      fc.property(fc.oneof(body, fc.string({ maxLength: 80 })), (s) => {
        const normalised = Buffer.from(normalize([enc(s)]), 'latin1');
        const { bytes, terminator } = stuffNormalizedBody(normalised);
        const wire = Buffer.concat([bytes, terminator]).toString('latin1');
        expect(wire).toBe(stuff([normalised]));
        expect(wire).toBe(Buffer.from(model(s, true), 'utf8').toString('latin1'));
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});

describe('stuffNormalizedBody', () => {
  it('doubles a dot at the start and after every CRLF, and hands back a body without one untouched', () => {
    const text = (b: { bytes: Uint8Array; terminator: Uint8Array }): string => Buffer.concat([b.bytes, b.terminator]).toString('latin1');
    expect(text(stuffNormalizedBody(enc('.a\r\n..b\r\nc.\r\n.\r\n')))).toBe('..a\r\n...b\r\nc.\r\n..\r\n.\r\n');
    expect(text(stuffNormalizedBody(enc('')))).toBe('.\r\n');
    const plain = enc('Subject: x\r\n\r\nno dots here\r\n');
    expect(stuffNormalizedBody(plain).bytes).toBe(plain);
  });
});
