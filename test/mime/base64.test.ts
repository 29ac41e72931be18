import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Base64Encoder, base64EncodedLength, encodeBase64Lines } from '../../src/mime/base64.js';

function streamed(data: Buffer, splits: number[]): Buffer {
  const enc = new Base64Encoder();
  const out: Buffer[] = [];
  let at = 0;
  for (const s of [...splits, data.length]) {
    out.push(enc.push(data.subarray(at, s)));
    at = s;
  }
  out.push(enc.end());
  return Buffer.concat(out);
}

describe('base64', () => {
  it('wraps at 76 characters with CRLF and no trailing break', () => {
    const data = Buffer.alloc(200, 0xab);
    const out = encodeBase64Lines(data).toString('latin1');
    const lines = out.split('\r\n');
    expect(lines.slice(0, -1).every((l) => l.length === 76)).toBe(true);
    expect(lines.at(-1)!.length).toBeLessThanOrEqual(76);
    expect(out.endsWith('\r\n')).toBe(false);
    expect(Buffer.from(out.replace(/\r\n/g, ''), 'base64')).toEqual(data);
  });
  it('encodes the empty input as nothing', () => {
    expect(encodeBase64Lines(Buffer.alloc(0)).length).toBe(0);
    expect(base64EncodedLength(0)).toBe(0);
    expect(streamed(Buffer.alloc(0), [])).toEqual(Buffer.alloc(0));
  });
  it('gives the same bytes fed at every split point', () => {
    const data = Buffer.from(Array.from({ length: 130 }, (_, i) => (i * 37) & 255));
    const whole = encodeBase64Lines(data);
    for (let i = 0; i <= data.length; i++) {
      for (const j of [i, Math.min(data.length, i + 1), Math.min(data.length, i + 57)]) {
        expect(streamed(data, [i, j])).toEqual(whole);
      }
    }
  });
  it('property: length formula is exact, decoding round-trips, any chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(2000), { maxLength: 6 }), (arr, cuts) => {
        const data = Buffer.from(arr);
        const whole = encodeBase64Lines(data);
        expect(whole.length).toBe(base64EncodedLength(data.length));
        const splits = cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b);
        expect(streamed(data, splits)).toEqual(whole);
        expect(Buffer.from(whole.toString('latin1').replace(/\r\n/g, ''), 'base64')).toEqual(data);
      }),
    );
  });
});
