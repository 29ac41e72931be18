import { describe, expect, it } from 'vitest';
import { LineLimits, MAX_LINE_OCTETS } from '../../src/protocol/line-limits.js';
import { chunkings, enc } from './split.js';

function check(chunks: Iterable<Uint8Array>): ReturnType<LineLimits['push']> {
  const limits = new LineLimits();
  for (const c of chunks) {
    const problem = limits.push(c);
    if (problem) return problem;
  }
  return undefined;
}

describe('LineLimits', () => {
  const ok = `${'a'.repeat(MAX_LINE_OCTETS)}\r\n${'b'.repeat(MAX_LINE_OCTETS)}\n${'c'.repeat(MAX_LINE_OCTETS)}\r${'d'.repeat(MAX_LINE_OCTETS)}`;
  it('lines of 998 octets pass at every split point', () => {
    for (const { name, chunks } of chunkings(enc(ok))) expect(check(chunks), name).toBeUndefined();
  });
  it('a line of 999 octets is found at every split point, at its 999th octet', () => {
    const body = enc(`x\r\n${'a'.repeat(MAX_LINE_OCTETS + 1)}\r\n`);
    for (const { name, chunks } of chunkings(body)) expect(check(chunks), name).toEqual({ kind: 'long', offset: 3 + MAX_LINE_OCTETS });
  });
  it('a NUL is found wherever it is', () => {
    const body = enc('abc\r\nd\0e\r\n');
    for (const { name, chunks } of chunkings(body)) expect(check(chunks), name).toEqual({ kind: 'nul', offset: 6 });
  });
});
