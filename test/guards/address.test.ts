import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { assertEnvelopeAddress, normalizeAddress } from '../../src/guards/address.js';
import { SmtpError } from '../../src/errors.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

describe('envelope addresses', () => {
  it('accepts ordinary addresses and normalizes the domain', () => {
    expect(normalizeAddress('John.Doe+tag@Example.COM', 'to')).toEqual({ address: 'John.Doe+tag@example.com', utf8: false });
    expect(normalizeAddress("o'hara!#$%&*=?^_`{|}~@x.io", 'to').address).toBe("o'hara!#$%&*=?^_`{|}~@x.io");
    expect(normalizeAddress('a@localhost', 'to').address).toBe('a@localhost');
    expect(normalizeAddress('a@[192.0.2.1]', 'to').address).toBe('a@[192.0.2.1]');
    expect(normalizeAddress('a@[ipv6:2001:db8::1]', 'to').address).toBe('a@[IPv6:2001:db8::1]');
  });
  it('converts IDN domains to punycode', () => {
    expect(normalizeAddress('user@bücher.example', 'to').address).toBe('user@xn--bcher-kva.example');
    expect(normalizeAddress('user@例え.テスト', 'to').address).toBe('user@xn--r8jz45g.xn--zckzah');
  });
  it('refuses non-ASCII local parts unless SMTPUTF8', () => {
    expect(() => assertEnvelopeAddress('jöhn@example.com', 'from')).toThrow(/needs SMTPUTF8/);
    expect(normalizeAddress('jöhn@bücher.example', 'from', { smtpUtf8: true })).toEqual({
      address: 'jöhn@xn--bcher-kva.example',
      utf8: true,
    });
  });
  it('refuses parameter smuggling, source routes, lists and garbage', () => {
    const bad = [
      'a@b> SIZE=1',
      'a@b SIZE=1',
      '<a@b>',
      'a@b>',
      '@relay.example:a@b.example',
      'a@b,c@d',
      'a@b\r\nRCPT TO:<c@d>',
      'a@b\0',
      '"a b"@example.com',
      'a b@example.com',
      'a@exa mple.com',
      'a..b@example.com',
      '.a@example.com',
      'a.@example.com',
      'a@-example.com',
      'a@example-.com',
      'a@exa_mple.com',
      'a@',
      '@b',
      'ab',
      '',
      `${'x'.repeat(65)}@example.com`,
      `a@${'x'.repeat(64)}.com`,
      'a@[300.1.1.1]',
      'a@[1.2.3.4',
      'a\u00a0b@example.com',
      'a@b\u2028',
    ];
    for (const addr of bad) {
      expect(() => assertEnvelopeAddress(addr, 'to[0]'), addr).toThrow(SmtpError);
    }
    expect(() => assertEnvelopeAddress('@a:b@c', 'from')).toThrow(/source routes/);
    expect(() => assertEnvelopeAddress('a@b> SIZE=1', 'from')).toThrow(/^from: /);
  });
  it('property: an address with a space, <, >, CR, LF or NUL inserted is always refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.constantFrom(' ', '<', '>', '\r', '\n', '\0', ',', ':', ';', '"'), (pos, ch) => {
        const base = 'someone@example.com';
        const addr = base.slice(0, pos) + ch + base.slice(pos);
        expect(() => assertEnvelopeAddress(addr, 'to')).toThrow(SmtpError);
      }),
    );
  });
});

describe('domains (the plain-host shortcut and the label checks agree)', () => {
  // An independent oracle: lower-case it, drop one trailing dot, then every label is 1-63 LDH characters
  // that do not start or end with "-".
  const oracle = (domain: string): string | undefined => {
    let d = domain.toLowerCase();
    if (d.endsWith('.')) d = d.slice(0, -1);
    if (d.length === 0 || d.length > 253) return undefined;
    const ok = d.split('.').every((l) => l.length >= 1 && l.length <= 63 && /^[a-z0-9-]+$/.test(l) && !l.startsWith('-') && !l.endsWith('-'));
    return ok ? d : undefined;
  };
  it('accepts exactly the host names the oracle accepts, in the same form', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '.', '_'), minLength: 1, maxLength: 80 }), (domain) => {
        const expected = oracle(domain);
        let got: string | undefined;
        try {
          got = normalizeAddress(`x@${domain}`, 'to').address.slice(2);
        } catch {
          got = undefined;
        }
        expect(got).toBe(expected);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
  it('handles labels at the 63-character limit and names at the 253-character limit', () => {
    const label63 = 'a'.repeat(63);
    expect(normalizeAddress(`x@${label63}.com`, 'to').address).toBe(`x@${label63}.com`);
    expect(() => normalizeAddress(`x@a${label63}.com`, 'to')).toThrow();
    const long = `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(61)}.ef`; // 252 characters
    expect(normalizeAddress(`x@${long}`, 'to').address).toBe(`x@${long}`);
  });
});
