import { describe, it, expect } from 'vitest';
import { extendedParams, formatParam, quoteString } from '../../src/mime/rfc2231.js';

function decode2231(params: string[]): string {
  const raw = params.map((p) => p.slice(p.indexOf('=') + 1)).join('');
  return decodeURIComponent(raw.replace(/^utf-8''/, ''));
}

describe('rfc2231 parameters', () => {
  it('keeps short ASCII plain (token or quoted)', () => {
    expect(formatParam('filename', 'report.pdf')).toEqual(['filename=report.pdf']);
    expect(formatParam('filename', 'my report.pdf')).toEqual(['filename="my report.pdf"']);
    expect(formatParam('filename', 'a"b\\c.txt')).toEqual(['filename="a\\"b\\\\c.txt"']);
    expect(quoteString('x')).toBe('"x"');
  });
  it('encodes non-ASCII with charset and percent escapes', () => {
    expect(formatParam('filename', 'résumé.pdf')).toEqual(["filename*=utf-8''r%C3%A9sum%C3%A9.pdf"]);
  });
  it('splits long values into continuations without breaking escapes or characters', () => {
    const name = `${'日本語'.repeat(20)}.txt`;
    const params = extendedParams('filename', name);
    expect(params.length).toBeGreaterThan(1);
    params.forEach((p, i) => {
      expect(p.startsWith(`filename*${i}*=`)).toBe(true);
      expect(p.length).toBeLessThan(78);
      const value = p.slice(p.indexOf('=') + 1).replace(/^utf-8''/, '');
      expect(() => decodeURIComponent(value)).not.toThrow(); // each segment is whole characters
    });
    expect(decode2231(params)).toBe(name);
  });
  it('percent-encodes quotes, spaces, percent, star and apostrophe', () => {
    const [p] = extendedParams('filename', `a b%c*d'e"f`);
    expect(p).toBe("filename*=utf-8''a%20b%25c%2Ad%27e%22f");
  });
});
