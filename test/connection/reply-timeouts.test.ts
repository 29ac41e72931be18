/**
 * Read timeouts of the ReplyChannel: every read keeps its own deadline, counted from when it was issued,
 * although the channel arms a single timer for all of them (see #armFor).
 */
import { Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';

const setTimeoutReal = globalThis.setTimeout;
import { ReplyChannel } from '../../src/connection/reply-channel.js';
import { SmtpError } from '../../src/errors.js';
import type { Reply } from '../../src/protocol/reply.js';

class QuietStream extends Duplex {
  override _read(): void {}
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

const elapsedUntilRejected = async (read: Promise<unknown>, since: number): Promise<{ ms: number; error: SmtpError }> => {
  try {
    await read;
  } catch (error) {
    return { ms: performance.now() - since, error: error as SmtpError };
  }
  throw new Error('the read resolved');
};

describe('ReplyChannel read timeouts', () => {
  it('times out a later, shorter read at its own deadline while an earlier, longer one waits', async () => {
    const stream = new QuietStream();
    const channel = new ReplyChannel(stream);
    await channel.write('DATA-BODY\r\nMAIL\r\n', 2);
    const started = performance.now();
    const slow = channel.read('data', 5_000);
    slow.catch(() => undefined);
    const { ms, error } = await elapsedUntilRejected(channel.read('mail', 60), started);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.phase).toBe('mail');
    expect(ms).toBeGreaterThanOrEqual(55);
    expect(ms).toBeLessThan(2_000);
    await expect(slow).rejects.toMatchObject({ code: 'ETIMEDOUT' }); // the channel is broken for everyone
  });

  it('counts a read issued after a reply from its own start, not from the first read', async () => {
    const stream = new QuietStream();
    const channel = new ReplyChannel(stream);
    await channel.write('NOOP\r\nNOOP\r\n', 2);
    const first = channel.read('mail', 100);
    await new Promise((resolve) => setTimeout(resolve, 70));
    stream.push('250 ok\r\n');
    expect((await first).code).toBe(250);
    const issued = performance.now();
    const { ms, error } = await elapsedUntilRejected(channel.read('rcpt', 100), issued);
    expect(error.phase).toBe('rcpt');
    // Armed for the first read's deadline (30 ms from here), the timer must not end this read that early.
    expect(ms).toBeGreaterThanOrEqual(95);
  });

  it('waits without timing out or spinning when the timeout is beyond what setTimeout can hold', async () => {
    const stream = new QuietStream();
    const channel = new ReplyChannel(stream);
    await channel.write('NOOP\r\n', 1);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const read = channel.read('mail', Number.POSITIVE_INFINITY);
      read.catch(() => undefined);
      await new Promise((resolve) => setTimeoutReal(resolve, 100));
      expect(channel.broken).toBeUndefined();
      // One timer, capped at 2^31 - 1 ms. An overflowing delay fires after 1 ms: that re-armed every ms.
      expect(spy.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      spy.mockRestore();
    }
    stream.push('250 ok\r\n');
  });

  it('does not time out a read whose reply came in time', async () => {
    const stream = new QuietStream();
    const channel = new ReplyChannel(stream);
    await channel.write('NOOP\r\n', 1);
    const read = channel.read('mail', 40);
    stream.push('250 ok\r\n');
    expect((await read).code).toBe(250);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(channel.broken).toBeUndefined();
  });
});

describe('ReplyChannel.readInto (one wait for a pipelined group)', () => {
  const phaseAt = (i: number) => (i === 0 ? 'mail' : i === 2 ? 'data' : 'rcpt') as 'mail' | 'rcpt' | 'data';

  it('collects replies that came before the call and after it, in order, across chunks', async () => {
    const stream = new QuietStream();
    const channel = new ReplyChannel(stream);
    await channel.write('MAIL\r\nRCPT\r\nDATA\r\n', 3);
    stream.push('250 2.1.0 sender ok\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    const into: Reply[] = [];
    const done = channel.readInto(into, 3, phaseAt, 1_000);
    stream.push('250 2.1.5 rcpt ok\r\n35');
    stream.push('4 go ahead\r\n');
    await done;
    expect(into.map((r) => r.code)).toEqual([250, 250, 354]);
  });

  it('names the command still unanswered when it times out, and keeps the replies that came', async () => {
    const stream = new QuietStream();
    const channel = new ReplyChannel(stream);
    await channel.write('MAIL\r\nRCPT\r\nDATA\r\n', 3);
    const into: Reply[] = [];
    const done = channel.readInto(into, 3, phaseAt, 60);
    stream.push('250 ok\r\n');
    const error = await done.then(
      () => undefined,
      (e: unknown) => e as SmtpError,
    );
    expect(error?.code).toBe('ETIMEDOUT');
    expect(error?.message).toContain('(rcpt)');
    expect(into.map((r) => r.code)).toEqual([250]);
  });

  it('fails on a 421 in the middle, with the 421 among the replies it kept', async () => {
    const stream = new QuietStream();
    const channel = new ReplyChannel(stream);
    await channel.write('MAIL\r\nRCPT\r\nDATA\r\n', 3);
    const into: Reply[] = [];
    const done = channel.readInto(into, 3, phaseAt, 1_000);
    stream.push('250 ok\r\n421 4.3.2 shutting down\r\n');
    await expect(done).rejects.toMatchObject({ code: 'ECONNECTION', replyCode: 421 });
    expect(into.map((r) => r.code)).toEqual([250, 421]);
  });
});
