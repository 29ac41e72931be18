import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeXtext, encodeXtext } from '../../src/protocol/xtext.js';
import { SmtpError } from '../../src/errors.js';

describe('xtext', () => {
  it('encodes per RFC 3461', () => {
    expect(encodeXtext('')).toBe('');
    expect(encodeXtext('abc<>!~')).toBe('abc<>!~');
    expect(encodeXtext('a+b=c')).toBe('a+2Bb+3Dc');
    expect(encodeXtext(' \r\n\0\x7f')).toBe('+20+0D+0A+00+7F');
    expect(encodeXtext('é')).toBe('+C3+A9');
    expect(encodeXtext('x😀y')).toBe('x+F0+9F+98+80y');
    expect(encodeXtext('ü+')).toBe('+C3+BC+2B');
  });

  it('decodes, accepting lower-case hex', () => {
    expect(decodeXtext('a+2Bb+3Dc')).toBe('a+b=c');
    expect(decodeXtext('+c3+a9')).toBe('é');
    expect(decodeXtext('plain')).toBe('plain');
  });

  it('rejects malformed xtext', () => {
    for (const bad of ['+', '+2', '+GG', 'a b', 'a=b', 'é', 'a\r\n']) {
      expect(() => decodeXtext(bad)).toThrow(SmtpError);
    }
  });

  it('round-trips any string; output is only xchar/hexchar (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const x = encodeXtext(s);
        expect(x).toMatch(/^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$/);
        expect(decodeXtext(x)).toBe(s);
      }),
    );
  });
});
