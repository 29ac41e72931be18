/**
 * The session's reply channel fed mutated real transcripts, in random chunks, with a random number of
 * replies owed: every read settles (a Reply, or an SmtpError of a connection/protocol kind), nothing is
 * thrown outside a read, a broken channel stays broken, and nothing after a 421 is ever handed out.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { ReplyChannel } from '../../src/connection/reply-channel.js';
import { SmtpError } from '../../src/errors.js';
import type { Reply } from '../../src/protocol/reply.js';
import { chunk, mutatedTranscript } from './corpus.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

type Settled = { reply: Reply } | { error: SmtpError };

describe('ReplyChannel fuzzing', () => {
  it('every read settles, failures are SmtpErrors, a broken channel stays broken, nothing follows a 421', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedTranscript, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 1, max: 40 }), async (bytes, cuts, owed) => {
        const stream = new PassThrough();
        const channel = new ReplyChannel(stream);
        channel.expect(owed);
        const reads = Array.from({ length: owed }, () =>
          channel.read('mail', 5_000).then(
            (reply): Settled => ({ reply }),
            (error: unknown): Settled => {
              expect(SmtpError.is(error), String(error)).toBe(true);
              return { error: error as SmtpError };
            },
          ),
        );
        for (const piece of chunk(bytes, cuts)) stream.write(piece);
        stream.end(); // the server hangs up: anything still owed fails now instead of timing out
        const results = await Promise.all(reads);
        let failed = false;
        let closing = false;
        for (const result of results) {
          if ('error' in result) {
            expect(['EPROTOCOL', 'ECONNECTION']).toContain(result.error.code);
            failed = true;
            continue;
          }
          // Once a read failed, or a 421 was handed out, no later read may succeed.
          expect(failed || closing).toBe(false);
          expect(result.reply.code).toBeGreaterThanOrEqual(200);
          if (result.reply.code === 421) closing = true;
        }
        // The hang-up reaches the channel a tick after the last reply: from then on it is broken for good.
        for (let i = 0; i < 10 && !channel.broken; i++) await new Promise((r) => setImmediate(r));
        expect(channel.broken).toBeDefined();
        await expect(channel.read('mail', 10)).rejects.toSatisfy((e: unknown) => SmtpError.is(e));
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});
