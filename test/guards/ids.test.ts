import { describe, it, expect } from 'vitest';
import { normalizeMessageId, normalizeMessageIdList, assertDsn } from '../../src/guards/ids.js';

describe('message ids', () => {
  it('adds angle brackets and validates', () => {
    expect(normalizeMessageId('abc@example.com', 'messageId')).toBe('<abc@example.com>');
    expect(normalizeMessageId('<abc.1@example.com>', 'messageId')).toBe('<abc.1@example.com>');
    for (const bad of ['abc', '<a b@c>', 'a@b\r\nBcc: x', '<a@b>>', 'a@b@c', '', '<>']) {
      expect(() => normalizeMessageId(bad, 'messageId'), bad).toThrow(/^messageId: /);
    }
  });
  it('parses lists', () => {
    expect(normalizeMessageIdList('<a@b>  <c@d>', 'references')).toEqual(['<a@b>', '<c@d>']);
    expect(normalizeMessageIdList(['a@b', '<c@d>'], 'references')).toEqual(['<a@b>', '<c@d>']);
    expect(() => normalizeMessageIdList(['a@b', 'x\n'], 'references')).toThrow(/references\[1\]/);
  });
});

describe('dsn', () => {
  it('accepts valid options and refuses bad ones', () => {
    expect(() => assertDsn({ notify: ['SUCCESS', 'FAILURE'], ret: 'HDRS', envid: 'abc', orcpt: 'rfc822;a@b' })).not.toThrow();
    expect(() => assertDsn({ notify: 'failure,delay' })).not.toThrow();
    expect(() => assertDsn({ notify: ['NEVER', 'SUCCESS'] })).toThrow(/NEVER/);
    expect(() => assertDsn({ notify: 'SOMETIMES' })).toThrow(/unknown/);
    expect(() => assertDsn({ ret: 'ALL' as 'FULL' })).toThrow(/FULL or HDRS/);
    expect(() => assertDsn({ envid: 'a\r\nb' })).toThrow(/control/);
    expect(() => assertDsn({ envid: 'é' })).toThrow(/ASCII/);
  });
});
