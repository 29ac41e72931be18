import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzz-runs.js';
import { checkMailParams, checkRcptParams, parsePathArgument } from '../../src/sink/envelope.js';
import { R } from '../../src/sink/replies.js';

describe('parsePathArgument', () => {
  it('parses addresses and parameters', () => {
    expect(parsePathArgument('FROM:<a@b.c> SIZE=10 BODY=8BITMIME', 'FROM')).toEqual({
      address: 'a@b.c',
      params: ['SIZE=10', 'BODY=8BITMIME'],
    });
    expect(parsePathArgument('from:<>', 'FROM')).toEqual({ address: '', params: [] });
    expect(parsePathArgument('TO: <x@y.z>', 'TO')).toEqual({ address: 'x@y.z', params: [] });
    expect(parsePathArgument('TO:<Postmaster>', 'TO')).toEqual({ address: 'Postmaster', params: [] });
    expect(parsePathArgument('TO:<@relay.example:x@y.z>', 'TO')).toEqual({ address: 'x@y.z', params: [] });
    expect(parsePathArgument('TO:<"a>b c"@y.z>', 'TO')).toEqual({ address: '"a>b c"@y.z', params: [] });
    expect(parsePathArgument('TO:<u@[127.0.0.1]>', 'TO')).toEqual({ address: 'u@[127.0.0.1]', params: [] });
    expect(parsePathArgument('TO:<bé@exämple.fr>', 'TO')).toEqual({ address: 'bé@exämple.fr', params: [] });
  });

  it('refuses malformed arguments with the right reply', () => {
    expect(parsePathArgument('FROM a@b.c', 'FROM')).toBe(R.syntaxMail);
    expect(parsePathArgument('FROM:a@b.c', 'FROM')).toBe(R.syntaxMail);
    expect(parsePathArgument('FROM:<a@b.c', 'FROM')).toBe(R.syntaxMail);
    expect(parsePathArgument('FROM:<a@b.c>SIZE=1', 'FROM')).toBe(R.syntaxMail);
    expect(parsePathArgument('TO:<a@b.c>', 'FROM')).toBe(R.syntaxMail);
    expect(parsePathArgument('TO:<>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<nobody>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a@>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a@b c>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a\u0000@b.c>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a@b.c> =x', 'TO')).toBe(R.syntax);
  });
});

/** The address check as it was written with regexes (the one-pass version must agree with it). */
function referenceValid(address: string): boolean {
  if (address === '') return false;
  if (/[\x00-\x1f\x7f]/.test(address)) return false;
  if (address.toLowerCase() === 'postmaster') return true;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const domain = address.slice(at + 1);
  if (domain.startsWith('[')) return domain.endsWith(']');
  return !/[\s@<>()[\]\\,;:"]/.test(domain);
}

describe('address check', () => {
  it('Unicode spaces in a domain are refused, other non-ASCII is not', () => {
    expect(parsePathArgument('TO:<a@b\u00a0c.fr>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a@b\u2028c.fr>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a@\u00e9t\u00e9.fr>', 'TO')).toEqual({ address: 'a@\u00e9t\u00e9.fr', params: [] });
    expect(parsePathArgument('TO:<a@[1.2.3.4>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a@b[c]>', 'TO')).toBe(R.badAddress);
    expect(parsePathArgument('TO:<a@b.c\u007f>', 'TO')).toBe(R.badAddress);
  });

  it('agrees with the regex version on any address', () => {
    const chars = ['a', 'B', '0', '.', '-', '_', '+', '@', ' ', '[', ']', '(', ')', ',', ';', ':', '\u00a0', '\u00e9', '\u3000', '\u0000', '\t', '\u007f', 'postmaster'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 12 }), (parts) => {
        const address = parts.join('');
        fc.pre(!address.startsWith('@')); // a source route is stripped before the check
        const got = parsePathArgument(`TO:<${address}>`, 'TO');
        expect(got !== R.badAddress).toBe(referenceValid(address));
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});

describe('checkMailParams', () => {
  it('accepts what we advertise', () => {
    expect(checkMailParams(['SIZE=100', 'BODY=8BITMIME', 'SMTPUTF8', 'RET=HDRS', 'ENVID=abc+2B', 'AUTH=<>'], 1000)).toEqual({
      size: 100,
      smtputf8: true,
    });
    expect(checkMailParams([], 1000)).toEqual({ size: undefined, smtputf8: false });
  });
  it('enforces SIZE against the limit and refuses the rest', () => {
    expect(checkMailParams(['SIZE=1001'], 1000)).toBe(R.tooBig);
    expect(checkMailParams(['SIZE=1000'], 1000)).toEqual({ size: 1000, smtputf8: false });
    expect(checkMailParams(['SIZE=abc'], 1000)).toBe(R.syntax);
    expect(checkMailParams(['SIZE=1', 'size=2'], 1000)).toBe(R.syntax);
    expect(checkMailParams(['BODY=BINARYMIME'], 1000)).toBe(R.syntax);
    expect(checkMailParams(['SMTPUTF8=yes'], 1000)).toBe(R.syntax);
    expect(checkMailParams(['XFOO=1'], 1000)).toBe(R.unknownParam);
  });
});

describe('checkRcptParams', () => {
  it('accepts DSN parameters and refuses others', () => {
    expect(checkRcptParams(['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;a@b.c'])).toBeNull();
    expect(checkRcptParams(['NOTIFY=NEVER'])).toBeNull();
    expect(checkRcptParams(['NOTIFY=NEVER,SUCCESS'])).toBe(R.syntax);
    expect(checkRcptParams(['NOTIFY=SOMETIMES'])).toBe(R.syntax);
    expect(checkRcptParams(['ORCPT=a@b.c'])).toBe(R.syntax);
    expect(checkRcptParams(['XFOO'])).toBe(R.unknownParam);
  });
});
