import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ReplyParser } from '../../src/protocol/reply-parser.js';
import type { Reply } from '../../src/protocol/reply.js';
import { SmtpError } from '../../src/errors.js';
import { chunkings, cutAt, enc } from './split.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

function parseAll(chunks: Iterable<Uint8Array>, parser = new ReplyParser()): Reply[] {
  const out: Reply[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  return out;
}

function catchError(fn: () => unknown): SmtpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SmtpError);
    return err as SmtpError;
  }
  throw new Error('expected a throw');
}

const SESSION = [
  '220 mx.example.com ESMTP Postfix\r\n',
  '250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n',
  '250 2.1.0 Ok\n', // bare LF
  '550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 https://support.example/ x\r\n',
  '354 End data with <CR><LF>.<CR><LF>\r\n',
  '250\r\n', // code alone is a valid final line
  '221 2.0.0 Bye \u00e9\u4e2d\r\n', // UTF-8
].join('');

describe('ReplyParser: framing', () => {
  const expected = parseAll([enc(SESSION)]);

  it('parses a whole session in one chunk', () => {
    expect(expected.map((r) => r.code)).toEqual([220, 250, 250, 550, 354, 250, 221]);
    expect(expected[1]?.lines).toEqual(['mx.example.com', 'PIPELINING', 'SIZE 10240000', '8BITMIME', 'SMTPUTF8']);
    expect(expected[2]).toEqual({ code: 250, enhancedCode: '2.1.0', lines: ['2.1.0 Ok'], message: 'Ok' });
    expect(expected[3]?.enhancedCode).toBe('5.1.1');
    expect(expected[3]?.message).toBe(
      'The email account that you tried to reach does not exist.\nhttps://support.example/ x',
    );
    expect(expected[5]).toEqual({ code: 250, lines: [''], message: '' });
    expect(expected[6]?.lines).toEqual(['2.0.0 Bye \u00e9\u4e2d']);
  });

  it('gives the same replies at every split point and byte by byte', () => {
    const bytes = enc(SESSION);
    for (const { name, chunks } of chunkings(bytes)) {
      const parser = new ReplyParser();
      expect(parseAll(chunks, parser), name).toEqual(expected);
      expect(parser.pending, name).toBe(false);
      expect(parser.bufferedBytes, name).toBe(0);
    }
  });

  it('returns replies as soon as they are complete and reports partial state', () => {
    const p = new ReplyParser();
    expect(p.push(enc('250-first\r\n250-sec'))).toEqual([]);
    expect(p.pending).toBe(true);
    expect(p.bufferedBytes).toBe(7);
    expect(p.push(enc('ond\r\n250 third\r\n220 x'))).toEqual([
      { code: 250, lines: ['first', 'second', 'third'], message: 'first\nsecond\nthird' },
    ]);
    expect(p.bufferedBytes).toBe(5);
    expect(p.push(enc('\r\n'))).toEqual([{ code: 220, lines: ['x'], message: 'x' }]);
    expect(p.pending).toBe(false);
  });

  it('treats a CR split from its LF as one line end and keeps a CR inside text', () => {
    const p = new ReplyParser();
    expect(p.push(enc('250 ok\r'))).toEqual([]);
    expect(p.push(enc('\n'))).toEqual([{ code: 250, lines: ['ok'], message: 'ok' }]);
    // Only the CR right before the LF is a line end.
    expect(p.push(enc('250 a\rb\r\n'))[0]?.lines).toEqual(['a\rb']);
  });

  it('does not keep a reference to the caller chunk for a partial line', () => {
    const p = new ReplyParser();
    const chunk = enc('250 hello');
    p.push(chunk);
    chunk.fill(0x21);
    expect(p.push(enc('\r\n'))[0]?.lines).toEqual(['hello']);
  });

  it('accepts plain Uint8Array views at an offset', () => {
    const backing = new Uint8Array(enc('xxx250 ok\r\nyyy'));
    const view = new Uint8Array(backing.buffer, 3, 8);
    expect(new ReplyParser().push(view)).toEqual([{ code: 250, lines: ['ok'], message: 'ok' }]);
  });

  it('decodes invalid UTF-8 without throwing', () => {
    const r = new ReplyParser().push(Buffer.from([0x32, 0x35, 0x30, 0x20, 0xff, 0xfe, 0x0d, 0x0a]));
    expect(r[0]?.lines[0]).toBe('\ufffd\ufffd');
  });
});

describe('ReplyParser: rejects malformed input', () => {
  const bad = [
    'hello\r\n',
    '\r\n',
    '25\r\n',
    '150 x\r\n',
    '650 x\r\n',
    '2a0 x\r\n',
    '250_x\r\n',
    '250\tx\r\n',
    ' 250 x\r\n',
    '250-a\r\n251 b\r\n',
    '250-a\r\n550-b\r\n',
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const err = catchError(() => new ReplyParser().push(enc(input)));
      expect(err.code).toBe('EPROTOCOL');
      expect(err.transient).toBe(false);
    });
  }

  it('quotes at most about 100 characters of the bad line, with control characters escaped', () => {
    const line = 'X\x1b[31m' + 'y'.repeat(5000) + '\r\n';
    const err = catchError(() => new ReplyParser().push(enc(line)));
    expect(err.message).toContain('X\\x1b[31m');
    expect(err.message).not.toContain('\x1b');
    expect(err.message.length).toBeLessThan(200);
  });

  it('stays poisoned after an error until reset()', () => {
    const p = new ReplyParser();
    catchError(() => p.push(enc('junk\r\n')));
    expect(catchError(() => p.push(enc('250 ok\r\n'))).code).toBe('EPROTOCOL');
    expect(catchError(() => p.push(new Uint8Array(0))).code).toBe('EPROTOCOL');
    p.reset();
    expect(p.push(enc('250 ok\r\n'))).toHaveLength(1);
  });

  it('reset() drops a partial line and a partial multiline reply', () => {
    const p = new ReplyParser();
    p.push(enc('250-a\r\n250 b'));
    expect(p.pending).toBe(true);
    p.reset();
    expect(p.pending).toBe(false);
    expect(p.bufferedBytes).toBe(0);
    expect(p.push(enc('220 c\r\n'))).toEqual([{ code: 220, lines: ['c'], message: 'c' }]);
  });
});

describe('ReplyParser: limits', () => {
  it('accepts a line of exactly maxLineBytes (line end included) and rejects one byte more', () => {
    const line = (n: number) => '250 ' + 'a'.repeat(n - 6) + '\r\n';
    expect(new ReplyParser({ maxLineBytes: 64 }).push(enc(line(64)))).toHaveLength(1);
    expect(catchError(() => new ReplyParser({ maxLineBytes: 64 }).push(enc(line(65)))).code).toBe('EPROTOCOL');
    // Same at every split point, since the buffered path has its own check.
    for (const { name, chunks } of chunkings(enc(line(64)))) {
      expect(parseAll(chunks, new ReplyParser({ maxLineBytes: 64 })), name).toHaveLength(1);
    }
    for (const { name, chunks } of chunkings(enc(line(65)))) {
      expect(() => parseAll(chunks, new ReplyParser({ maxLineBytes: 64 })), name).toThrow(SmtpError);
    }
  });

  it('rejects an endless line while buffering, holding less than maxLineBytes', () => {
    const p = new ReplyParser({ maxLineBytes: 100 });
    let max = 0;
    const err = catchError(() => {
      for (let i = 0; i < 1000; i++) {
        p.push(enc('250 aaaaaaa'));
        max = Math.max(max, p.bufferedBytes);
      }
    });
    expect(err.code).toBe('EPROTOCOL');
    expect(err.message).toContain('longer than 100 bytes');
    expect(max).toBeLessThan(100);
    expect(p.bufferedBytes).toBe(0);
  });

  it('rejects a huge single chunk without a line end at once', () => {
    const err = catchError(() => new ReplyParser().push(Buffer.alloc(1 << 20, 0x41)));
    expect(err.code).toBe('EPROTOCOL');
  });

  it('rejects an endless multiline reply at maxLines', () => {
    const p = new ReplyParser({ maxLines: 5 });
    expect(p.push(enc('250-a\r\n250-b\r\n250-c\r\n250-d\r\n'))).toEqual([]);
    expect(catchError(() => p.push(enc('250-e\r\n'))).message).toContain('5 lines');
    const ok = new ReplyParser({ maxLines: 5 });
    expect(ok.push(enc('250-a\r\n250-b\r\n250-c\r\n250-d\r\n250 e\r\n'))[0]?.lines).toHaveLength(5);
  });

  it('counts lines per reply, not per parser', () => {
    const p = new ReplyParser({ maxLines: 2 });
    for (let i = 0; i < 10; i++) expect(p.push(enc('250-a\r\n250 b\r\n'))).toHaveLength(1);
  });

  it('validates its limits', () => {
    expect(() => new ReplyParser({ maxLineBytes: 2 })).toThrow(SmtpError);
    expect(() => new ReplyParser({ maxLines: 0 })).toThrow(SmtpError);
    expect(() => new ReplyParser({ maxLines: 1.5 })).toThrow(SmtpError);
  });
});

describe('ReplyParser: properties', () => {
  it('random bytes only ever cause EPROTOCOL, and the buffer stays under the limit', () => {
    const alphabet = fc.constantFrom(...enc('0123456789 -\r\n2345abc\u00e9'));
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.array(alphabet, { maxLength: 300 }).map((a) => Uint8Array.from(a)));
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 8 }), fc.integer({ min: 5, max: 120 }), (chunks, maxLineBytes) => {
        const p = new ReplyParser({ maxLineBytes, maxLines: 4 });
        for (const c of chunks) {
          try {
            for (const r of p.push(c)) {
              expect(r.code).toBeGreaterThanOrEqual(200);
              expect(r.code).toBeLessThan(600);
              expect(r.lines.length).toBeLessThanOrEqual(4);
            }
          } catch (err) {
            expect(SmtpError.is(err) && err.code === 'EPROTOCOL').toBe(true);
            return;
          }
          expect(p.bufferedBytes).toBeLessThan(maxLineBytes);
        }
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('any chunking of well-formed replies gives the one-chunk result', () => {
    const text = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' '));
    const reply = fc.record({
      code: fc.integer({ min: 200, max: 599 }),
      lines: fc.array(text, { minLength: 1, maxLength: 4 }),
      lf: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), (replies, cuts) => {
        const wire = replies
          .map(({ code, lines, lf }) =>
            lines.map((l, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${l}${lf ? '\n' : '\r\n'}`).join(''),
          )
          .join('');
        const bytes = enc(wire);
        const whole = parseAll([bytes]);
        expect(whole.map((r) => r.code)).toEqual(replies.map((r) => r.code));
        expect(parseAll(cutAt(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});
