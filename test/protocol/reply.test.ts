import { describe, it, expect } from 'vitest';
import {
  createReply,
  expectClass,
  formatReply,
  isIntermediate,
  isPermanent,
  isPositive,
  isTransient,
} from '../../src/protocol/reply.js';

describe('createReply', () => {
  it('takes the enhanced code without the space after it, also when nothing follows the space', () => {
    expect(createReply(550, ['5.1.1 ']).enhancedCode).toBe('5.1.1');
    expect(createReply(550, ['5.1.1']).enhancedCode).toBe('5.1.1');
    expect(createReply(550, ['5.1.1 no such user']).enhancedCode).toBe('5.1.1');
    expect(createReply(250, ['5.1.1 wrong class']).enhancedCode).toBeUndefined();
  });

  it('takes the enhanced code from the first line and strips it from every line of the message', () => {
    const r = createReply(550, ['5.1.1 No such user', '5.1.1 see https://example.com/help']);
    expect(r.enhancedCode).toBe('5.1.1');
    expect(r.lines).toEqual(['5.1.1 No such user', '5.1.1 see https://example.com/help']);
    expect(r.message).toBe('No such user\nsee https://example.com/help');
  });

  it('ignores an enhanced code whose class differs from the reply code', () => {
    const r = createReply(250, ['5.1.1 odd server']);
    expect(r.enhancedCode).toBeUndefined();
    expect(r.message).toBe('5.1.1 odd server');
  });

  it('ignores things that only look like enhanced codes', () => {
    expect(createReply(250, ['2.0.0.1 x']).enhancedCode).toBeUndefined();
    expect(createReply(250, ['2.0.0x']).enhancedCode).toBeUndefined();
    expect(createReply(250, ['2.1234.0 x']).enhancedCode).toBeUndefined();
    expect(createReply(354, ['3.0.0 go ahead']).enhancedCode).toBeUndefined(); // class 3 does not exist
    expect(createReply(250, ['2.0.0']).enhancedCode).toBe('2.0.0');
    expect(createReply(250, ['2.0.0']).message).toBe('');
  });

  it('keeps lines without an enhanced code unchanged', () => {
    const r = createReply(250, ['mx.example.com Hello', 'PIPELINING']);
    expect(r.enhancedCode).toBeUndefined();
    expect(r.message).toBe('mx.example.com Hello\nPIPELINING');
  });

  it('does not share the lines array with the caller', () => {
    const lines = ['ok'];
    const r = createReply(250, lines);
    lines.push('x');
    expect(r.lines).toEqual(['ok']);
  });
});

describe('classes', () => {
  const r = (code: number) => createReply(code, ['x']);
  it('classifies by first digit', () => {
    expect([isPositive(r(250)), isIntermediate(r(250)), isTransient(r(250)), isPermanent(r(250))]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(isIntermediate(r(354))).toBe(true);
    expect(isIntermediate(r(334))).toBe(true);
    expect(isTransient(r(421))).toBe(true);
    expect(isTransient(r(521))).toBe(false);
    expect(isPermanent(r(554))).toBe(true);
    expect(isPositive(r(199))).toBe(false);
  });

  it('expectClass matches by as many digits as the prefix has', () => {
    expect(expectClass(r(250), 2)).toBe(true);
    expect(expectClass(r(250), 25)).toBe(true);
    expect(expectClass(r(251), 25)).toBe(true);
    expect(expectClass(r(220), 25)).toBe(false);
    expect(expectClass(r(354), 354)).toBe(true);
    expect(expectClass(r(354), 3)).toBe(true);
    expect(expectClass(r(354), 35)).toBe(true);
    expect(expectClass(r(354), 250)).toBe(false);
    expect(expectClass(r(250), 0)).toBe(false);
    expect(expectClass(r(250), 2.5)).toBe(false);
  });
});

describe('formatReply', () => {
  it('writes wire-like lines', () => {
    expect(formatReply(createReply(250, ['a', 'b', 'c']))).toBe('250-a\n250-b\n250 c');
    expect(formatReply(createReply(221, ['2.0.0 Bye']))).toBe('221 2.0.0 Bye');
    expect(formatReply(createReply(250, ['']))).toBe('250');
    expect(formatReply(createReply(250, ['', 'x']))).toBe('250-\n250 x');
  });
});

describe('enhanced codes scanned by hand', () => {
  const cases: Array<[number, string, string | undefined]> = [
    [250, '2.1.0 Ok', '2.1.0'],
    [250, '2.1.0', '2.1.0'],
    [550, '5.123.456 no', '5.123.456'],
    [550, '5.1234.5 no', undefined],
    [550, '5.1.2345 no', undefined],
    [550, '5.1.2x no', undefined],
    [550, '5.1.2\tno', undefined],
    [550, '5..1 no', undefined],
    [550, '5.1. no', undefined],
    [250, '5.1.1 wrong class', undefined],
    [354, '3.0.0 go ahead', undefined],
    [250, '', undefined],
  ];
  it.each(cases)('%i %j', (code, text, expected) => {
    expect(createReply(code, [text]).enhancedCode).toBe(expected);
  });
});
