import { describe, it, expect } from 'vitest';
import { resolveLimits, assertSubject, assertBodySize, assertMessageSize, DEFAULT_GUARD_LIMITS } from '../../src/guards/limits.js';

describe('limits', () => {
  it('ignores a limits value that is not an object, as it always did (JavaScript callers)', () => {
    expect(resolveLimits(5 as never)).toEqual(DEFAULT_GUARD_LIMITS);
    expect(resolveLimits('x' as never)).toEqual(DEFAULT_GUARD_LIMITS);
  });
  it('resolves a frozen limits object once and gives the same answer after', () => {
    const frozen = Object.freeze({ maxRecipients: 7 });
    expect(resolveLimits(frozen).maxRecipients).toBe(7);
    expect(resolveLimits(frozen)).toBe(resolveLimits(frozen));
  });

  it('has the contract defaults', () => {
    expect(DEFAULT_GUARD_LIMITS.maxSubjectChars).toBe(998);
    expect(DEFAULT_GUARD_LIMITS.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(DEFAULT_GUARD_LIMITS.maxCustomHeaders).toBe(50);
    expect(DEFAULT_GUARD_LIMITS.maxMessageBytes).toBe(64 * 1024 * 1024);
  });
  it('merges and validates overrides (ECONFIG)', () => {
    expect(resolveLimits({ maxMessageBytes: 5 }).maxMessageBytes).toBe(5);
    expect(() => resolveLimits({ maxMessageBytes: -1 })).toThrow(expect.objectContaining({ code: 'ECONFIG' }));
    expect(() => resolveLimits({ maxHeaderLineOctets: 2000 })).toThrow(/between 78 and 998/);
  });
  it('caps subject, bodies and total size', () => {
    const l = resolveLimits({});
    expect(() => assertSubject('x'.repeat(998), l)).not.toThrow();
    expect(() => assertSubject('x'.repeat(999), l)).toThrow(expect.objectContaining({ code: 'EGUARD' }));
    expect(() => assertBodySize('html', l.maxBodyBytes + 1, l)).toThrow(/^html: larger than/);
    expect(() => assertMessageSize(l.maxMessageBytes + 1, l)).toThrow(/maxMessageBytes/);
    expect(() => assertMessageSize(l.maxMessageBytes, l)).not.toThrow();
  });
});
