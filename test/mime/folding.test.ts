import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { foldHeader } from '../../src/mime/folding.js';

describe('foldHeader', () => {
  it('leaves short lines alone', () => {
    expect(foldHeader('Subject', 'hello world')).toBe('Subject: hello world');
  });
  it('folds at white space under 78 characters, and unfolding restores the value', () => {
    const value = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const folded = foldHeader('X-Long', value);
    for (const line of folded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(folded.split('\r\n').slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n/g, '')).toBe(`X-Long: ${value}`);
  });
  it('never folds right after the field name', () => {
    const folded = foldHeader('X', 'a'.repeat(100));
    expect(folded).toBe(`X: ${'a'.repeat(100)}`);
  });
  it('throws EGUARD for an unbreakable run over 998 octets', () => {
    expect(() => foldHeader('X', 'a'.repeat(1000))).toThrow(expect.objectContaining({ code: 'EGUARD' }));
    expect(() => foldHeader('X', `${'a'.repeat(900)} ${'b'.repeat(900)}`)).not.toThrow();
  });
  it('counts octets, not characters', () => {
    expect(() => foldHeader('X', 'é'.repeat(500))).toThrow(/998/);
  });
  it('property: unfold(fold(v)) = v, lines <= 998, no whitespace-only line', () => {
    const word = fc.string({ minLength: 1, maxLength: 120 }).map((s) => s.replace(/[\s]/g, 'x'));
    fc.assert(
      fc.property(fc.array(fc.tuple(word, fc.constantFrom(' ', '  ', '\t', ' \t')), { maxLength: 30 }), (pairs) => {
        const value = pairs.map(([w, s]) => w + s).join('') + 'end';
        const folded = foldHeader('X-Test', value);
        expect(folded.replace(/\r\n/g, '')).toBe(`X-Test: ${value}`);
        for (const line of folded.split('\r\n')) {
          expect(Buffer.byteLength(line)).toBeLessThanOrEqual(998);
          expect(line.trim()).not.toBe('');
        }
      }),
    );
  });
});
