import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzz-runs.js';
import { parsePathArgument, simplePath } from '../../src/sink/envelope.js';

/** simplePath over `VERB arg` as the session calls it (the argument starts after the verb and a space). */
function fast(arg: string, keyword: 'FROM' | 'TO'): string | undefined {
  const line = Buffer.from(`XXXX ${arg}\r\n`, 'utf8');
  return simplePath(line, 5, line.length - 2, keyword);
}

/** What the general parser says about the same argument, in simplePath's terms. */
function general(arg: string, keyword: 'FROM' | 'TO'): string | undefined {
  const parsed = parsePathArgument(arg, keyword);
  return typeof parsed === 'string' || parsed.params.length > 0 ? undefined : parsed.address;
}

describe('simplePath (the byte fast path of MAIL and RCPT)', () => {
  it('reads the usual shapes, in any case', () => {
    expect(fast('FROM:<bench@bench.localhost>', 'FROM')).toBe('bench@bench.localhost');
    expect(fast('from:<a.b+c@x-y.example>', 'FROM')).toBe('a.b+c@x-y.example');
    expect(fast('To:<sink@bench.localhost>', 'TO')).toBe('sink@bench.localhost');
  });

  it('leaves every other shape to the general parser', () => {
    for (const [arg, keyword] of [
      ['FROM:<>', 'FROM'],
      ['FROM: <a@b.c>', 'FROM'],
      ['FROM:<a@b.c> SIZE=10', 'FROM'],
      ['FROM:<a@b.c> ', 'FROM'],
      ['FROM:<a@b.c', 'FROM'],
      ['TO:<a@b.c>', 'FROM'],
      ['FROM:<a@b.c>', 'TO'],
      ['TO:<Postmaster>', 'TO'],
      ['TO:<@relay.example:x@y.z>', 'TO'],
      ['TO:<"a>b c"@y.z>', 'TO'],
      ['TO:<a\\@b@y.z>', 'TO'],
      ['TO:<u@[127.0.0.1]>', 'TO'],
      ['TO:<bé@exämple.fr>', 'TO'],
      ['TO:<a b@c.d>', 'TO'],
      ['TO:<a@b c>', 'TO'],
      ['TO:<a@b,c>', 'TO'],
      ['TO:<a@>', 'TO'],
      ['TO:<@b>', 'TO'],
      ['TO:<a<b@c.d>', 'TO'],
      ['TO:<a@b.c>>', 'TO'],
      ['TO:<a\x01@b.c>', 'TO'],
    ] as const) {
      expect(fast(arg, keyword), arg).toBeUndefined();
    }
  });

  it('never accepts what the general parser refuses, and agrees on the address', () => {
    const chars = fc.constantFrom(...'aZ0.-+_@<>:"\\[], \x01\x7féFROMTOfromto'.split(''));
    const arg = fc.oneof(
      fc.string({ unit: chars, maxLength: 24 }),
      fc.tuple(fc.constantFrom('FROM:<', 'TO:<', 'from:<', 'To: <'), fc.string({ unit: chars, maxLength: 16 }), fc.constantFrom('>', '> X', '')).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(arg, fc.constantFrom<'FROM' | 'TO'>('FROM', 'TO'), (a, keyword) => {
        const got = fast(a, keyword);
        if (got !== undefined) expect(got).toBe(general(a, keyword));
      }),
      { numRuns: fuzzRuns(5000) },
    );
  });
});
