/**
 * The reply parser fed real server transcripts with bit flips, truncations, inserted CR/LF/NUL, deletions
 * and huge repeats, cut into random chunks: it only ever throws SmtpError EPROTOCOL, stays poisoned after
 * one, never buffers a line past its limit or returns a reply past its line cap, and gives the same answer
 * however the bytes are chunked (it cannot be confused by where TCP happens to split a packet).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReplyParser, type ReplyParserLimits } from '../../src/protocol/reply-parser.js';
import { SmtpError } from '../../src/errors.js';
import type { Reply } from '../../src/protocol/reply.js';
import { TRANSCRIPTS, chunk, enc, mutatedTranscript } from './corpus.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

interface Outcome {
  replies: Reply[];
  error: SmtpError | undefined;
  buffered: number;
}

/** Feeds chunks in order, checking the invariants after every push; stops at the first error. */
function feed(chunks: Buffer[], limits: Required<ReplyParserLimits>): Outcome {
  const parser = new ReplyParser(limits);
  const replies: Reply[] = [];
  for (const c of chunks) {
    let got: Reply[];
    try {
      got = parser.push(c);
    } catch (error) {
      expect(SmtpError.is(error), `threw ${String(error)}`).toBe(true);
      expect((error as SmtpError).code).toBe('EPROTOCOL');
      // Poisoned: nothing more is read from a stream that is out of sync, and nothing stays buffered.
      expect(parser.bufferedBytes).toBe(0);
      expect(() => parser.push(enc('250 ok\r\n'))).toThrow(expect.objectContaining({ code: 'EPROTOCOL' }));
      return { replies, error: error as SmtpError, buffered: 0 };
    }
    expect(parser.bufferedBytes).toBeLessThan(limits.maxLineBytes);
    for (const reply of got) {
      expect(Number.isInteger(reply.code) && reply.code >= 200 && reply.code <= 599).toBe(true);
      expect(reply.lines.length).toBeGreaterThanOrEqual(1);
      expect(reply.lines.length).toBeLessThanOrEqual(limits.maxLines);
      for (const line of reply.lines) {
        expect(line.length).toBeLessThanOrEqual(limits.maxLineBytes);
        expect(line).not.toContain('\n');
      }
    }
    replies.push(...got);
    // Replies completed before a malformed line in the same chunk are delivered; the error follows them.
    const deferred = parser.takeFailure();
    if (deferred) {
      expect(deferred.code).toBe('EPROTOCOL');
      expect(parser.bufferedBytes).toBe(0);
      expect(() => parser.push(enc('250 ok\r\n'))).toThrow(expect.objectContaining({ code: 'EPROTOCOL' }));
      return { replies, error: deferred, buffered: 0 };
    }
  }
  return { replies, error: undefined, buffered: parser.bufferedBytes };
}

function lines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let lf = bytes.indexOf(0x0a); lf >= 0; lf = bytes.indexOf(0x0a, start)) {
    out.push(bytes.subarray(start, lf + 1));
    start = lf + 1;
  }
  out.push(bytes.subarray(start));
  return out;
}

const limitsArb = fc.oneof(
  fc.constant({ maxLineBytes: 8192, maxLines: 512 }), // the defaults the session uses
  fc.record({ maxLineBytes: fc.integer({ min: 5, max: 200 }), maxLines: fc.integer({ min: 1, max: 20 }) }),
);
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

describe('ReplyParser fuzzing with mutated real transcripts', () => {
  it('only EPROTOCOL, bounded buffering, bounded replies, and chunking never changes the result', () => {
    fc.assert(
      fc.property(mutatedTranscript, cutsArb, limitsArb, (bytes, cuts, limits) => {
        // Reference: one line per push (cut right after every LF). Replies complete only at a LF, so this
        // delivers every reply as early as byte-by-byte feeding would, at a fraction of the cost.
        const reference = feed(lines(bytes), limits);
        const chunked = feed(chunk(bytes, cuts), limits);
        expect(chunked.error === undefined).toBe(reference.error === undefined);
        if (reference.error === undefined) {
          expect(chunked.replies).toEqual(reference.replies);
          expect(chunked.buffered).toBe(reference.buffered);
        } else {
          // Every reply completed before the malformed line is delivered, however the bytes were cut.
          expect(chunked.replies).toEqual(reference.replies);
        }
      }),
      { numRuns: fuzzRuns(600) },
    );
  });

  it('the unmutated transcripts parse cleanly at any chunking', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TRANSCRIPTS), cutsArb, (text, cuts) => {
        const bytes = enc(text);
        const whole = feed([bytes], { maxLineBytes: 8192, maxLines: 512 });
        expect(whole.error).toBeUndefined();
        expect(whole.buffered).toBe(0);
        expect(feed(chunk(bytes, cuts), { maxLineBytes: 8192, maxLines: 512 })).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('floods: megabyte lines and endless continuations are refused while buffering at most one line', () => {
    const flood = fc.oneof(
      fc.record({ kind: fc.constant('line'), code: fc.constantFrom('220 ', '250-', '354 '), bytes: fc.integer({ min: 8193, max: 2_000_000 }) }),
      fc.record({ kind: fc.constant('lines'), code: fc.constantFrom('220-', '250-', '550-'), bytes: fc.integer({ min: 600, max: 5_000 }) }),
    );
    fc.assert(
      fc.property(flood, fc.integer({ min: 1, max: 70_000 }), ({ kind, code, bytes }, size) => {
        const unit = kind === 'line' ? 'x' : `${code}still going\r\n`;
        const body = kind === 'line' ? code + unit.repeat(bytes) : unit.repeat(bytes);
        const parser = new ReplyParser();
        let error: unknown;
        let fed = 0;
        try {
          for (let i = 0; i < body.length; i += size) {
            parser.push(enc(body.slice(i, i + size)));
            fed += size;
            expect(parser.bufferedBytes).toBeLessThan(8192);
          }
        } catch (e) {
          error = e;
        }
        expect(SmtpError.is(error) && error.code === 'EPROTOCOL').toBe(true);
        // It gave up within about one line (or one reply's worth of lines) of the limit, not at the end.
        const limitBytes = kind === 'line' ? 8192 : 512 * unit.length;
        expect(fed).toBeLessThan(limitBytes + size + 1);
      }),
      { numRuns: 60 },
    );
  });
});
