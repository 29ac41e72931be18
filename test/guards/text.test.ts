import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { assertHeaderName, assertHeaderValue, assertNoControls, findControl, printable } from '../../src/guards/text.js';
import { SmtpError } from '../../src/errors.js';

function guardMessage(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(SmtpError.is(err)).toBe(true);
    expect((err as SmtpError).code).toBe('EGUARD');
    return (err as SmtpError).message;
  }
  throw new Error('expected EGUARD');
}

describe('control characters', () => {
  it('refuses CR, LF, NUL, DEL, C1 and names the field', () => {
    for (const bad of ['a\rb', 'a\nb', 'a\0b', 'a\x7fb', 'a\u0085b', 'a\x1bb']) {
      const msg = guardMessage(() => assertNoControls(bad, 'subject'));
      expect(msg).toMatch(/^subject: control character/);
    }
    expect(guardMessage(() => assertNoControls('x\r\nBcc: evil@x', 'subject'))).toContain('CR');
  });
  it('allows TAB only when asked', () => {
    expect(() => assertNoControls('a\tb', 'f', { allowTab: true })).not.toThrow();
    expect(() => assertNoControls('a\tb', 'f')).toThrow(SmtpError);
  });
  it('accepts any non-control Unicode', () => {
    expect(() => assertHeaderValue('Bé 日本 😀 "quoted", <x>', 'subject')).not.toThrow();
  });
  it('property: any string holding CR, LF or NUL is refused', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', '\0'), fc.string(), (a, c, b) => {
        expect(findControl(a + c + b)).toBeGreaterThanOrEqual(0);
        expect(() => assertHeaderValue(a + c + b, 'x')).toThrow(/control character/);
      }),
    );
  });
  it('printable masks controls and caps length', () => {
    expect(printable('a\r\nb')).toBe('a??b');
    expect(printable('x'.repeat(100))).toBe('x'.repeat(64) + '...');
  });
});

describe('header names', () => {
  it('accepts RFC 5322 field names', () => {
    for (const ok of ['X-Campaign', 'List-Unsubscribe', 'x_a.b!#$%']) expect(() => assertHeaderName(ok)).not.toThrow();
  });
  it('refuses colons, spaces, controls, non-ASCII, empty and long names', () => {
    for (const bad of ['X:Y', 'X Y', 'X\r\nY', 'Xé', '', 'x'.repeat(77)]) {
      expect(() => assertHeaderName(bad)).toThrow(SmtpError);
    }
  });
  it('refuses a non-string value', () => {
    expect(() => assertHeaderValue(42 as unknown as string, 'headers.X')).toThrow(/expected a string/);
  });
});
