/**
 * Writes that belong together leave in one socket write: the ReplyChannel corks for the rest of the loop turn,
 * an in-memory DATA body goes out with its terminator, and a pipelined transaction's envelope rides behind
 * the previous message's terminator. Observed through a Duplex that records each _write/_writev call (what
 * the socket would turn into one syscall each).
 */
import { Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ReplyChannel } from '../../src/connection/reply-channel.js';
import { promiseGate } from '../helpers/admission-gate.js';
import { SmtpConnection } from '../../src/connection/smtp-connection.js';
import type { Connector } from '../../src/tls/connector.js';
import { createTransport } from '../../src/index.js';

/** A Duplex that records every batch the writable side receives and lets the test push server bytes. */
class RecordingStream extends Duplex {
  readonly batches: string[] = [];
  onBatch: ((text: string) => void) | undefined;

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#record([chunk]);
    callback();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.#record(chunks.map((c) => c.chunk));
    callback();
  }

  #record(chunks: Buffer[]): void {
    const text = Buffer.concat(chunks).toString('latin1');
    this.batches.push(text);
    this.onBatch?.(text);
  }
}

describe('ReplyChannel write batching', () => {
  it('sends writes made in the same tick as one batch, and a later write as another', async () => {
    const stream = new RecordingStream();
    const channel = new ReplyChannel(stream);
    await Promise.all([channel.write('MAIL FROM:<a@x>\r\n', 1), channel.write('RCPT TO:<b@x>\r\n', 1), channel.write(Buffer.from('DATA\r\n'), 1)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.batches).toEqual(['MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n']);

    await channel.write('RSET\r\n', 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.batches).toEqual(['MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n', 'RSET\r\n']);

    // Replies still pair with the commands in order.
    stream.push('250 a\r\n250 b\r\n354 c\r\n250 d\r\n');
    const codes = [];
    for (let i = 0; i < 4; i += 1) codes.push((await channel.read('mail', 1000)).code);
    expect(codes).toEqual([250, 250, 354, 250]);
  });

  it('post() returns nothing to wait for when the socket takes the bytes, a drain wait under backpressure, and a rejection once broken', async () => {
    const stream = new RecordingStream({ highWaterMark: 8 });
    const channel = new ReplyChannel(stream);
    expect(channel.post('NOOP\r\n', 1)).toBeUndefined();
    const waiting = channel.post('x'.repeat(64), 0);
    expect(waiting).toBeInstanceOf(Promise);
    await waiting; // resolves on 'drain', once the corked bytes have left at the end of the turn
    expect(stream.batches.join('')).toBe(`NOOP\r\n${'x'.repeat(64)}`);
    stream.push('250 ok\r\n');
    expect((await channel.read('mail', 1000)).code).toBe(250);
    stream.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(channel.post('NOOP\r\n', 1)).rejects.toMatchObject({ code: 'ECONNECTION' });
  });

  it('joins writes from separate callbacks of one loop turn, and flushes them before the next turn', async () => {
    const stream = new RecordingStream();
    const channel = new ReplyChannel(stream);
    // Two callbacks of the same turn (as when two replies arrive in one poll): each writes on its own tick.
    await new Promise<void>((resolve) => {
      process.nextTick(() => void channel.write('.\r\n', 1));
      process.nextTick(() => {
        void channel.write('MAIL FROM:<a@x>\r\n', 1);
        resolve();
      });
    });
    await Promise.resolve();
    expect(stream.batches).toEqual([]); // still corked within the turn
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.batches).toEqual(['.\r\nMAIL FROM:<a@x>\r\n']);
  });
});

describe('admission and write batching', () => {
  it('a place freed by a finished send is handed on only after the writes of that turn have left', async () => {
    const stream = new RecordingStream();
    const channel = new ReplyChannel(stream);
    const gate = promiseGate(1);
    await gate.enter();
    let batchesWhenAdmitted: string[] | undefined;
    const admitted = gate.enter().then(() => {
      batchesWhenAdmitted = [...stream.batches];
    });
    // One turn: a reply ends a transaction, the next one's commands are written (corked), the place is freed.
    await channel.write('.\r\nMAIL FROM:<a@x>\r\n', 2);
    gate.leave();
    await admitted;
    // The waiter (whose next step is composing a message) ran after those bytes were on their way.
    expect(batchesWhenAdmitted).toEqual(['.\r\nMAIL FROM:<a@x>\r\n']);
  });

  it('still flushes and hands on when the caller has installed fake timers (the loop itself is real)', async () => {
    const stream = new RecordingStream();
    const channel = new ReplyChannel(stream);
    const gate = promiseGate(1);
    await gate.enter();
    vi.useFakeTimers({ toFake: ['setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'] });
    try {
      const admitted = gate.enter();
      await channel.write('NOOP\r\n', 1);
      gate.leave();
      await admitted; // would hang if the hand-over waited for a fake clock
      expect(stream.batches).toEqual(['NOOP\r\n']);
    } finally {
      vi.useRealTimers();
    }
  });
});

/**
 * A minimal PIPELINING server (no CHUNKING) behind the recording stream: it answers each command line, and
 * in DATA waits for the terminator. Just enough protocol to observe how the client batches its writes.
 */
function pipeliningServer(stream: RecordingStream): void {
  let inData = false;
  let pending = '';
  const reply = (line: string) => setImmediate(() => stream.push(`${line}\r\n`));
  stream.onBatch = (text) => {
    pending += text;
    for (;;) {
      if (inData) {
        const end = pending.indexOf('\r\n.\r\n');
        if (end < 0) return;
        pending = pending.slice(end + 5);
        inData = false;
        reply('250 2.0.0 queued');
        continue;
      }
      const eol = pending.indexOf('\r\n');
      if (eol < 0) return;
      const line = pending.slice(0, eol);
      pending = pending.slice(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') reply('250-test.local\r\n250-PIPELINING\r\n250 8BITMIME');
      else if (verb === 'DATA') {
        inData = true;
        // The body may already follow in the same batch: "\r\n.\r\n" needs the CRLF that ended DATA.
        pending = `\r\n${pending}`;
        reply('354 go');
      } else if (verb === 'QUIT') reply('221 bye');
      else reply('250 ok');
    }
  };
  setImmediate(() => stream.push('220 test.local ESMTP\r\n'));
}

async function connect(): Promise<{ conn: SmtpConnection; stream: RecordingStream }> {
  const stream = new RecordingStream();
  pipeliningServer(stream);
  const connector: Connector = async () => ({ stream, encrypted: false, remoteAddress: '127.0.0.1' });
  const conn = new SmtpConnection({ host: '127.0.0.1', port: 2525, security: 'none', clientName: 'client.test', connector, timeouts: { commandMs: 2000, dataMs: 2000 } });
  await conn.open();
  return { conn, stream };
}

describe('transaction write batching (DATA)', () => {
  it('writes an in-memory body and its terminator as one batch', async () => {
    const { conn, stream } = await connect();
    const before = stream.batches.length;
    await conn.send({ from: 'a@x.test', to: ['b@x.test'] }, Buffer.from('Subject: t\r\n\r\nhello\r\n.leading dot\r\n'));
    const batches = stream.batches.slice(before);
    expect(batches).toEqual([
      'MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n',
      'Subject: t\r\n\r\nhello\r\n..leading dot\r\n.\r\n',
    ]);
    await conn.quit();
  });

  it("puts the next pipelined transaction's envelope in the same batch as the previous terminator", async () => {
    const { conn, stream } = await connect();
    const before = stream.batches.length;
    const first = conn.send({ from: 'a@x.test', to: ['b@x.test'] }, 'Subject: 1\r\n\r\none\r\n');
    const second = conn.send({ from: 'a@x.test', to: ['c@x.test'] }, 'Subject: 2\r\n\r\ntwo\r\n');
    await Promise.all([first, second]);
    expect(stream.batches.slice(before)).toEqual([
      'MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n',
      'Subject: 1\r\n\r\none\r\n.\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<c@x.test>\r\nDATA\r\n',
      'Subject: 2\r\n\r\ntwo\r\n.\r\n',
    ]);
    await conn.quit();
  });
});

describe('delivery accounting with an in-memory DATA body', () => {
  it("a server that hangs up right after its 354 gets nothing, and the failure says delivery 'none'", async () => {
    const stream = new RecordingStream();
    let inData = false;
    stream.onBatch = (text) => {
      for (const line of text.split('\r\n').filter(Boolean)) {
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') stream.push('250-test.local\r\n250 PIPELINING\r\n');
        else if (verb === 'DATA') {
          inData = true;
          // The 354 and the end of the stream arrive together.
          stream.push('250 ok\r\n250 ok\r\n354 go\r\n');
          stream.push(null);
        } else if (verb !== 'MAIL' && verb !== 'RCPT') stream.push('250 ok\r\n');
      }
    };
    setImmediate(() => stream.push('220 test.local ESMTP\r\n'));
    const connector: Connector = async () => ({ stream, encrypted: false, remoteAddress: '127.0.0.1' });
    const conn = new SmtpConnection({ host: '127.0.0.1', port: 2525, security: 'none', clientName: 'client.test', connector, timeouts: { commandMs: 2000, dataMs: 2000 } });
    await conn.open();
    const before = stream.batches.length;
    const error = await conn.send({ from: 'a@x.test', to: ['b@x.test'] }, 'Subject: t\r\n\r\nbody\r\n').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(inData).toBe(true);
    expect(error).toMatchObject({ code: 'ECONNECTION', delivery: 'none' });
    // Only the envelope was written: no body, no terminator.
    expect(stream.batches.slice(before).join('')).not.toContain('body');
  });
});

/**
 * A PIPELINING + CHUNKING server behind the recording stream that answers each batch it receives with one
 * push, as a server across a real network would: the replies to everything that arrived together come back
 * together.
 */
function chunkingServer(stream: RecordingStream): void {
  let pending = Buffer.alloc(0);
  stream.onBatch = (text) => {
    pending = Buffer.concat([pending, Buffer.from(text, 'latin1')]);
    const replies: string[] = [];
    for (;;) {
      const eol = pending.indexOf('\r\n');
      if (eol < 0) break;
      const line = pending.subarray(0, eol).toString('latin1');
      const bdat = /^BDAT (\d+)/i.exec(line);
      if (bdat) {
        const size = Number(bdat[1]);
        if (pending.length < eol + 2 + size) break;
        pending = pending.subarray(eol + 2 + size);
        replies.push('250 2.0.0 queued');
        continue;
      }
      pending = pending.subarray(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') replies.push('250-test.local\r\n250-PIPELINING\r\n250 CHUNKING');
      else if (verb === 'QUIT') replies.push('221 bye');
      else replies.push('250 ok');
    }
    if (replies.length > 0) setImmediate(() => stream.push(`${replies.join('\r\n')}\r\n`));
  };
  setImmediate(() => stream.push('220 test.local ESMTP\r\n'));
}

describe('transport pipelining on one connection', () => {
  it('keeps both pipeline places filled: the two transactions answered together are followed by two in one write', async () => {
    const stream = new RecordingStream();
    chunkingServer(stream);
    const connector: Connector = async () => ({ stream, encrypted: false, remoteAddress: '127.0.0.1' });
    const transport = createTransport({ host: '127.0.0.1', port: 2525, security: 'none', connector, pool: { maxConnections: 1, pipelineDepth: 2 } });
    const sends = Array.from({ length: 12 }, (_, i) => transport.send({ from: 'a@x.test', to: `r${i}@x.test`, subject: `m${i}`, text: `body ${i}` }));
    await Promise.all(sends);
    await transport.close();
    const perBatch = stream.batches.map((b) => b.match(/BDAT \d+ LAST/g)?.length ?? 0).filter((n) => n > 0);
    expect(perBatch.reduce((a, b) => a + b, 0)).toBe(12);
    // The first message may go alone (the second is still being composed); after that, every reply batch
    // ends two transactions and both places are refilled in one flight, so no batch carries just one.
    expect(perBatch.slice(1, -1).every((n) => n === 2)).toBe(true);
    expect(perBatch.length).toBeLessThanOrEqual(7);
  });
});
