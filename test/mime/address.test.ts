import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { formatAddress, formatAddressList, parseAddressItems, parseAddressList } from '../../src/mime/address.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

describe('parseAddressList', () => {
  it('parses the usual forms', () => {
    expect(parseAddressList('a@example.com')).toEqual([{ name: '', address: 'a@example.com' }]);
    expect(parseAddressList('John Doe <j@example.com>')).toEqual([{ name: 'John Doe', address: 'j@example.com' }]);
    expect(parseAddressList('"Doe, John" <j@example.com>, b@example.com')).toEqual([
      { name: 'Doe, John', address: 'j@example.com' },
      { name: '', address: 'b@example.com' },
    ]);
    expect(parseAddressList('Bé <b@example.com>')).toEqual([{ name: 'Bé', address: 'b@example.com' }]);
    expect(parseAddressList('<a@example.com>')).toEqual([{ name: '', address: 'a@example.com' }]);
    expect(parseAddressList('a@example.com (Alice A)')).toEqual([{ name: 'Alice A', address: 'a@example.com' }]);
    expect(parseAddressList('"Quote \\" inside" <q@example.com>')).toEqual([{ name: 'Quote " inside', address: 'q@example.com' }]);
    expect(parseAddressList('John Q. Public <jqp@example.com>')).toEqual([{ name: 'John Q. Public', address: 'jqp@example.com' }]);
    expect(parseAddressList('"john"@example.com')).toEqual([{ name: '', address: 'john@example.com' }]);
    expect(parseAddressList('a@[IPv6:2001:db8::1]')).toEqual([{ name: '', address: 'a@[IPv6:2001:db8::1]' }]);
    expect(parseAddressList(' , a@x.com,, ')).toEqual([{ name: '', address: 'a@x.com' }]);
    expect(parseAddressList('a@x.com; b@y.com')).toEqual([
      { name: '', address: 'a@x.com' },
      { name: '', address: 'b@y.com' },
    ]);
  });
  it('keeps groups and flattens them on request', () => {
    expect(parseAddressItems('undisclosed-recipients:;')).toEqual([{ kind: 'group', name: 'undisclosed-recipients', members: [] }]);
    expect(parseAddressItems('Team: a@x.com, B <b@x.com>;, c@x.com')).toEqual([
      { kind: 'group', name: 'Team', members: [{ name: '', address: 'a@x.com' }, { name: 'B', address: 'b@x.com' }] },
      { kind: 'mailbox', name: '', address: 'c@x.com' },
    ]);
    expect(parseAddressList('Team: a@x.com, b@x.com;')).toEqual([
      { name: '', address: 'a@x.com' },
      { name: '', address: 'b@x.com' },
    ]);
  });
  it('refuses ambiguous entries instead of guessing', () => {
    expect(() => parseAddressList('<a@x.com> <b@x.com>')).toThrow(expect.objectContaining({ code: 'EGUARD' }));
    expect(() => parseAddressList('John a@x.com')).toThrow(/Name <address>/);
    expect(() => parseAddressList('a@x.com b@x.com')).toThrow(/Name <address>/);
    expect(() => parseAddressList('A: B: c@x.com;;')).toThrow(/nested/);
  });
  it('an unquoted comma splits (so it is never hidden inside one name)', () => {
    expect(parseAddressList('Doe, John <j@x.com>')).toEqual([
      { name: '', address: 'Doe' },
      { name: 'John', address: 'j@x.com' },
    ]);
  });
  it('does not let a smuggled angle bracket or parameter through as part of a name', () => {
    // Text after <address> used to join the display name silently; now it is refused (issue 14).
    expect(() => parseAddressList('x <a@x.com> SIZE=1')).toThrow(/unexpected text "SIZE=1" after <a@x\.com>/);
  });
  it('finishes linearly on 100 KB pathological inputs', () => {
    const n = 100_000;
    const inputs = [
      '('.repeat(n),
      '"'.repeat(n),
      '<'.repeat(n),
      '\\'.repeat(n),
      '['.repeat(n),
      'a'.repeat(n),
      ','.repeat(n),
      ':'.repeat(n / 2),
      '"\\'.repeat(n / 2),
      '(a'.repeat(n / 2) + ')'.repeat(n / 2),
      'a <'.repeat(n / 3),
      'a@b.c, '.repeat(n / 7),
      'x:'.repeat(1) + 'a@b.c,'.repeat(n / 6) + ';',
      ' '.repeat(n) + 'a@b.c',
      '=?utf-8?q?'.repeat(n / 10),
    ];
    for (const input of inputs) {
      try {
        parseAddressItems(input);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('EGUARD');
      }
    }
  });
  it('property: never throws anything but EGUARD on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        try {
          parseAddressItems(s);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('EGUARD');
        }
      }),
    );
  });
});

describe('formatAddress', () => {
  it('writes atoms plain, quotes specials, encodes non-ASCII', () => {
    expect(formatAddress({ name: '', address: 'a@x.com' })).toBe('a@x.com');
    expect(formatAddress({ name: 'John Doe', address: 'j@x.com' })).toBe('John Doe <j@x.com>');
    expect(formatAddress({ name: 'Doe, John', address: 'j@x.com' })).toBe('"Doe, John" <j@x.com>');
    expect(formatAddress({ name: 'a "b" \\c', address: 'j@x.com' })).toBe('"a \\"b\\" \\\\c" <j@x.com>');
    expect(formatAddress({ name: 'Bé', address: 'b@x.com' })).toBe('=?UTF-8?B?QsOp?= <b@x.com>');
    expect(formatAddress({ name: 'Réunion de lundi', address: 'b@x.com' })).toBe('=?UTF-8?Q?R=C3=A9union_de_lundi?= <b@x.com>');
    expect(formatAddress({ name: 'x =?utf-8?q?y?=', address: 'b@x.com' })).toMatch(/^=\?UTF-8\?/);
  });
  it('writes groups', () => {
    expect(formatAddressList([{ kind: 'group', name: 'undisclosed-recipients', members: [] }])).toBe('undisclosed-recipients:;');
    expect(
      formatAddressList([
        { kind: 'group', name: 'Team A', members: [{ name: '', address: 'a@x.com' }, { name: 'B, b', address: 'b@x.com' }] },
        { kind: 'mailbox', name: '', address: 'c@x.com' },
      ]),
    ).toBe('Team A:a@x.com, "B, b" <b@x.com>;, c@x.com');
  });
  it('property: random display names survive format -> our parser and format -> postal-mime', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => s.trim() === s && !/[\p{Cc}]/u.test(s)),
        async (name) => {
          const header = formatAddress({ name, address: 'someone@example.com' });
          if (!header.startsWith('=?')) expect(parseAddressList(header)).toEqual([{ name, address: 'someone@example.com' }]);
          const parsed = await PostalMime.parse(`From: ${header}\r\n\r\nx`);
          expect(parsed.from).toEqual({ name, address: 'someone@example.com' });
        },
      ),
    );
  });
});

describe('bare addresses (the shortcut in recipients.ts)', () => {
  // recipients.ts skips the list parser for strings of this shape; that is only sound if the parser would
  // have returned exactly one mailbox, without a name, with the string unchanged as its address.
  const atext = fc.constantFrom(...'abcXYZ09!#$%&\'*+/=?^_`{|}~.-'.split(''));
  const host = fc.constantFrom(...'abc09.-'.split(''));
  it('parse to one nameless mailbox holding the string as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: atext, minLength: 1, maxLength: 20 }), fc.string({ unit: host, minLength: 1, maxLength: 20 }), (local, domain) => {
        const input = `${local}@${domain}`;
        expect(parseAddressItems(input)).toEqual([{ kind: 'mailbox', name: '', address: input }]);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});
