import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BdatChunker, type BdatChunk } from '../../src/protocol/bdat-chunker.js';
import { chunkings, concat, cutAt, enc } from './split.js';

function run(pieces: Iterable<Uint8Array>, size: number): BdatChunk[] {
  const chunker = new BdatChunker(size);
  const out: BdatChunk[] = [];
  for (const p of pieces) out.push(...chunker.push(p));
  out.push(chunker.end());
  return out;
}

/** What a server does with BDAT: take exactly `size` bytes after each command; LAST ends the message. */
function reassemble(chunks: BdatChunk[]): string {
  const wire = concat(chunks.flatMap((c) => [enc(c.line), c.payload]));
  let at = 0;
  let body = '';
  for (;;) {
    const eol = wire.indexOf('\r\n', at, 'latin1');
    const line = wire.subarray(at, eol).toString('latin1');
    const m = /^BDAT (\d+)( LAST)?$/.exec(line);
    expect(m, line).not.toBeNull();
    const n = Number(m?.[1]);
    body += wire.subarray(eol + 2, eol + 2 + n).toString('latin1');
    at = eol + 2 + n;
    if (m?.[2]) break;
  }
  expect(at).toBe(wire.length); // nothing after LAST
  return body;
}

const model = (body: string): string => {
  const crlf = body.replace(/\r\n|\r|\n/g, '\r\n');
  return crlf === '' || crlf.endsWith('\r\n') ? crlf : crlf + '\r\n';
};

describe('BdatChunker', () => {
  const body = 'Subject: x\n\r\n.dot\rline\r\n\r\nend';
  it.each([1, 3, 7, 64])('every split point gives the same content and exact sizes (chunk size %i)', (size) => {
    const expected = model(body);
    for (const { name, chunks } of chunkings(enc(body))) {
      const out = run(chunks, size);
      expect(reassemble(out), name).toBe(expected);
      for (const c of out) expect(c.payload.byteLength, name).toBe(c.size);
      expect(out.filter((c) => c.last).length, name).toBe(1);
      expect(out.at(-1)?.last, name).toBe(true);
      // Every chunk but the last holds at least chunkSize bytes (no tiny chunks, each costs a reply).
      for (const c of out.slice(0, -1)) expect(c.size, name).toBeGreaterThanOrEqual(size);
    }
  });

  it('ends with "BDAT 0 LAST" when the content went out in earlier chunks, and adds a final CRLF', () => {
    expect(run([enc('abc\r\n')], 5).map((c) => c.line)).toEqual(['BDAT 5\r\n', 'BDAT 0 LAST\r\n']);
    expect(run([enc('abc')], 100).map((c) => [c.line, c.payload.toString()])).toEqual([['BDAT 5 LAST\r\n', 'abc\r\n']]);
    expect(run([], 100).map((c) => c.line)).toEqual(['BDAT 0 LAST\r\n']);
  });

  it('counts the content bytes it sent', () => {
    const chunker = new BdatChunker(4);
    chunker.push(enc('a\nb'));
    chunker.end();
    expect(chunker.bytesOut).toBe(enc('a\r\nb\r\n').byteLength);
  });

  it('matches the model for random bodies and cuts', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '.', '\r', '\n', 'é') }), fc.array(fc.nat(200)), fc.integer({ min: 1, max: 16 }), (text, cuts, size) => {
        expect(reassemble(run(cutAt(enc(text), cuts), size))).toBe(enc(model(text)).toString('latin1'));
      }),
    );
  });

  it('refuses a chunk size that is not a positive integer', () => {
    expect(() => new BdatChunker(0)).toThrow(RangeError);
  });
});
