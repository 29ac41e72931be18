import { describe, expect, it } from 'vitest';
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
