import { describe, it, expect } from 'vitest';
import { assertCustomHeaders, RESERVED_HEADERS } from '../../src/guards/headers.js';
import { DEFAULT_GUARD_LIMITS } from '../../src/guards/limits.js';

const limits = DEFAULT_GUARD_LIMITS;

describe('assertCustomHeaders', () => {
  it('returns pairs in order from an object or an array', () => {
    expect(assertCustomHeaders({ 'X-A': '1', 'X-B': '2' }, limits)).toEqual([
      ['X-A', '1'],
      ['X-B', '2'],
    ]);
    expect(assertCustomHeaders([['X-A', '1'], ['X-A', '2']], limits)).toEqual([
      ['X-A', '1'],
      ['X-A', '2'],
    ]);
    expect(assertCustomHeaders(undefined, limits)).toEqual([]);
  });
  it('refuses every reserved name, case-insensitively', () => {
    const required = ['from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'return-path', 'message-id', 'in-reply-to',
      'references', 'date', 'content-type', 'content-transfer-encoding', 'mime-version', 'dkim-signature', 'received',
      'authentication-results', 'x-original-to', 'delivered-to'];
    for (const name of required) {
      expect(RESERVED_HEADERS.has(name)).toBe(true);
      const mixed = name.toUpperCase();
      expect(() => assertCustomHeaders({ [mixed]: 'x' }, limits)).toThrow(/reserved header/);
      expect(() => assertCustomHeaders([[name, 'x']], limits)).toThrow(/reserved header/);
    }
  });
  it('refuses __proto__, constructor, prototype without touching a prototype', () => {
    const parsed = JSON.parse('{"__proto__": "x", "X-Ok": "1"}') as Record<string, string>;
    expect(() => assertCustomHeaders(parsed, limits)).toThrow(/not an allowed header name/);
    expect(() => assertCustomHeaders([['constructor', 'x']], limits)).toThrow(/not an allowed/);
    expect(() => assertCustomHeaders({ prototype: 'x' }, limits)).toThrow(/not an allowed/);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('X-Ok');
  });
  it('ignores inherited properties', () => {
    const proto = { 'X-Inherited': 'y' };
    const obj = Object.create(proto) as Record<string, string>;
    obj['X-Own'] = 'z';
    expect(assertCustomHeaders(obj, limits)).toEqual([['X-Own', 'z']]);
  });
  it('refuses injection in names and values and names the header', () => {
    expect(() => assertCustomHeaders({ 'X-A': 'v\r\nBcc: evil@example.com' }, limits)).toThrow(/headers\.X-A: control character CR/);
    expect(() => assertCustomHeaders({ 'X-A\r\nBcc': 'v' }, limits)).toThrow(/not an RFC 5322 field name/);
    expect(() => assertCustomHeaders({ 'X-A': 'v\0' }, limits)).toThrow(/NUL/);
  });
  it('enforces the count cap and value types', () => {
    const many: Array<[string, string]> = Array.from({ length: 51 }, (_, i) => [`X-H${i}`, 'v']);
    expect(() => assertCustomHeaders(many, limits)).toThrow(/more than 50/);
    expect(assertCustomHeaders(many.slice(0, 50), limits)).toHaveLength(50);
    expect(() => assertCustomHeaders({ 'X-A': 1 as unknown as string }, limits)).toThrow(/must be a string/);
    expect(() => assertCustomHeaders([['X-A']] as unknown as Array<[string, string]>, limits)).toThrow(/\[name, value\]/);
    expect(() => assertCustomHeaders({ 'X-A': 'x'.repeat(20_000) }, limits)).toThrow(/longer than/);
  });
});
