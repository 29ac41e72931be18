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

describe('LineLimits over many lines', () => {
  it('passes LF-only and CRLF text of many lines at the limit, in chunks that split line ends', () => {
    const line = 'x'.repeat(998);
    for (const eol of ['\n', '\r\n', '\r']) {
      const bytes = Buffer.from((line + eol).repeat(300), 'latin1');
      const limits = new LineLimits();
      for (let at = 0; at < bytes.length; at += 4093) expect(limits.push(bytes.subarray(at, at + 4093))).toBeUndefined();
    }
  });

  it('finds the first long line after many short ones, with its offset', () => {
    const short = 'short line\r\n'.repeat(5000);
    const bytes = Buffer.from(`${short}${'y'.repeat(999)}\r\n`, 'latin1');
    expect(new LineLimits().push(bytes)).toEqual({ kind: 'long', offset: short.length + 998 });
  });
});
