/**
 * The reply channel pairs commands with replies through a FIFO.
 *
 * Every write declares how many replies it expects; replies that arrive are queued until read, in order.
 * Pipelining is therefore just "write N commands, then read N replies". A reply nobody asked for, a framing
 * error, a timeout or a dead socket breaks the channel for good: the byte stream is out of sync and nothing
 * it says afterwards can be trusted, so every pending and future read fails with the same error.
 */
import type { Duplex } from 'node:stream';
import { SmtpError, type SmtpPhase } from '../errors.js';
import { ReplyParser } from '../protocol/reply-parser.js';
import type { Reply } from '../protocol/reply.js';
import { replyError } from './reply-errors.js';
import { isPipeliningRefusal } from '../protocol/pipelining-refusal.js';
import { atTurnEnd } from './loop-turn.js';
import { setReadSink } from '../tls/direct-reads.js';

interface Waiter {
  /** A single read gets its reply; a batch read (readInto) gets undefined once `into` holds `need` replies. */
  resolve: (reply: Reply | undefined) => void;
  reject: (error: SmtpError) => void;
  /** performance.now() after which this read has waited too long. */
  deadline: number;
  phase: SmtpPhase;
  timeoutMs: number;
  /** Batch reads only: where replies go, how many in all, and the phase each position stands for. */
  into: Reply[] | undefined;
  need: number;
  phaseAt: ((index: number, count: number) => SmtpPhase) | undefined;
}

/**
 * The channels corked in this loop turn, uncorked together when it ends: one setImmediate per turn for the
 * whole process, not one per connection that wrote (a pooled transport writes on several per turn). In the
 * order they were corked, as their own immediates ran.
 */
let uncorks: Array<() => void> = [];

function uncorkAll(): void {
  const list = uncorks;
  uncorks = [];
  let failure: { error: unknown } | undefined;
  for (const uncork of list) {
    try {
      uncork();
    } catch (error) {
      failure ??= { error }; // the others still flush; the first failure is thrown as before
    }
  }
  if (failure) throw failure.error;
}

/** The waiter whose promise is being made (see ReplyChannel.#wait). */
let settling: Waiter | undefined;

function takeSettlers(resolve: (value: never) => void, reject: (error: SmtpError) => void): void {
  const waiter = settling as Waiter;
  waiter.resolve = resolve as (reply: Reply | undefined) => void;
  waiter.reject = reject;
}

/** Stands in for a waiter's settle functions until its promise hands them over. */
function unset(): void {}

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

export interface ChannelEvents {
  onReply?: (reply: Reply) => void;
}

export class ReplyChannel {
  #stream: Duplex;
  readonly #parser = new ReplyParser();
  readonly #arrived: Reply[] = [];
  readonly #waiters: Waiter[] = [];
  #expected = 0;
  /** The stream corked for this loop turn's writes, if any (see #corkUntilTurnEnds). */
  #corked: Duplex | undefined;
  #broken: SmtpError | undefined;
  /** Told once when the channel breaks (a caller's body read must not outlive the session). */
  #breakListeners: Array<(error: SmtpError) => void> | undefined;
  /** Set while the last reply may legitimately be followed by the peer closing (after QUIT). */
  #closingExpected = false;
  /** The latest reply: a close right after an early-talker refusal is the server hanging up on purpose. */
  #lastReply: Reply | undefined;
  readonly #events: ChannelEvents;
  /**
   * One timer for all pending reads, armed for the earliest deadline. A reply does not touch it: when it
   * fires, it looks for a read that is really overdue and otherwise re-arms for the next deadline. A busy
   * pooled connection reads four replies a message, and a timer each would be set and cleared that often.
   */
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(stream: Duplex, events: ChannelEvents = {}) {
    this.#stream = stream;
    this.#events = events;
    this.#attach(stream);
  }

  get broken(): SmtpError | undefined {
    return this.#broken;
  }

  get stream(): Duplex {
    return this.#stream;
  }

  /** Replies still owed by the server for commands already written. */
  get outstanding(): number {
    return this.#expected + this.#arrived.length;
  }

  /** True when bytes of an unfinished reply are buffered (used to detect STARTTLS response injection). */
  get hasBufferedInput(): boolean {
    return this.#parser.pending || this.#arrived.length > 0;
  }

  /** Declares replies owed without writing (the greeting). */
  expect(count: number): void {
    this.#expected += count;
  }

  /**
   * Writes bytes that will be answered by `replies` replies. Resolves when the bytes are handed to the socket
   * (after 'drain' when the socket buffer is full, so a large body streams with backpressure).
   */
  write(data: string | Uint8Array, replies: number, drainTimeoutMs = 120_000): Promise<void> {
    return this.post(data, replies, drainTimeoutMs) ?? Promise.resolve();
  }

  /**
   * write() for the hot path: undefined when the socket took the bytes without backpressure (nothing to
   * wait for, so no promise and no await), else what write() would return. There are several of these per
   * message, and a promise each is garbage the collector has to handle on every send.
   */
  post(data: string | Uint8Array, replies: number, drainTimeoutMs = 120_000): Promise<void> | undefined {
    if (this.#broken) return Promise.reject(this.#broken);
    this.#expected += replies;
    this.#corkUntilTurnEnds();
    const flushed = this.#stream.write(data);
    if (flushed) return undefined;
    return this.#waitDrain(drainTimeoutMs);
  }

  /**
   * Writes made in the same turn of the event loop leave in one writev per socket: a pipelined transaction's
   * envelope right behind the previous message's terminator, a BDAT header and its chunk. One syscall and one
   * TCP segment instead of several.
   *
   * Why the end of the loop turn (setImmediate, after every socket that was readable has been handled) and
   * not the next tick: on a pooled transport the replies of several connections arrive in one poll, and
   * flushing each connection's writes as soon as its own callback finishes spreads them out, so the server
   * falls asleep between them and each write pays to wake it (on a VM an inter-processor interrupt, which
   * dominates the cost of a small write). Flushed together, the writes reach a server that is already
   * awake; the gain grows with the pool and sequential sends lose nothing (figures: bench/README.md). Bytes
   * never wait behind an await: only until the callbacks of this turn have run.
   */
  #corkUntilTurnEnds(): void {
    if (this.#corked) return;
    const stream = this.#stream;
    if (typeof stream.cork !== 'function') return;
    this.#corked = stream;
    stream.cork();
    if (uncorks.length === 0) atTurnEnd(uncorkAll);
    uncorks.push(this.#uncork);
  }

  /** One function per channel for #corkUntilTurnEnds, not a closure per loop turn. */
  readonly #uncork = (): void => {
    const stream = this.#corked;
    this.#corked = undefined;
    stream?.uncork();
  };

  /**
   * One command and its reply. The read is registered in the same step as the write: replies go to reads in
   * the order the reads were made, so nothing started in between (a pipelined transaction, a pool's RSET)
   * can take this command's reply.
   */
  async command(data: string | Uint8Array, phase: SmtpPhase, timeoutMs: number): Promise<Reply> {
    const written = this.write(data, 1);
    const reply = this.read(phase, timeoutMs);
    reply.catch(() => undefined); // awaited below, once the write has settled
    await written;
    return reply;
  }

  /** Reads the next reply in FIFO order; a timeout breaks the channel (the stream is out of sync). */
  read(phase: SmtpPhase, timeoutMs: number): Promise<Reply> {
    const ready = this.#arrived.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#broken) return Promise.reject(this.#broken);
    return this.#wait<Reply>({ resolve: unset, reject: unset, deadline: performance.now() + timeoutMs, phase, timeoutMs, into: undefined, need: 0, phaseAt: undefined });
  }

  /**
   * Reads `count` replies into `into` with one promise: a pipelined envelope (MAIL, RCPT..., DATA) waits once
   * instead of once per reply. `into` keeps the replies that did arrive when the read fails, so the caller
   * can tell which command was left unanswered; `phaseAt(i, n)` names it in a timeout (`n` is the number of
   * replies `into` holds when complete, so a caller can pass one function for every message, not a closure).
   */
  readInto(into: Reply[], count: number, phaseAt: (index: number, count: number) => SmtpPhase, timeoutMs: number): Promise<void> {
    const need = into.length + count;
    while (into.length < need) {
      const ready = this.#arrived.shift();
      if (!ready) break;
      into.push(ready);
    }
    if (into.length === need) return Promise.resolve();
    if (this.#broken) return Promise.reject(this.#broken);
    return this.#wait<void>({ resolve: unset, reject: unset, deadline: performance.now() + timeoutMs, phase: phaseAt(into.length, need), timeoutMs, into, need, phaseAt });
  }

  /**
   * Queues a read and returns its promise. The promise's settle functions go into the waiter through one
   * module function (takeSettlers), not an executor closure per read: two reads a message. Every waiter has
   * the same fields, so the code that serves them sees one shape.
   */
  #wait<T>(waiter: Waiter): Promise<T> {
    settling = waiter;
    const promise = new Promise<T>(takeSettlers);
    settling = undefined;
    this.#waiters.push(waiter);
    this.#armFor(waiter.deadline);
    return promise;
  }

  #armFor(deadline: number): void {
    if (this.#timer !== undefined && this.#timerAt <= deadline) return;
    clearTimeout(this.#timer);
    this.#timerAt = deadline;
    // Node fires longer delays after 1 ms (with a warning); a far deadline is re-armed when the cap runs out.
    this.#timer = setTimeout(this.#onDeadline, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(deadline - performance.now()))));
    this.#timer.unref?.();
  }

  #onDeadline = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#broken) return;
    let first: Waiter | undefined;
    for (const waiter of this.#waiters) if (first === undefined || waiter.deadline < first.deadline) first = waiter;
    if (first === undefined) return;
    // Timers fire on the loop's millisecond clock: up to a millisecond early against performance.now().
    if (first.deadline - performance.now() > 1) {
      this.#armFor(first.deadline);
      return;
    }
    const { timeoutMs } = first;
    const phase = first.phaseAt && first.into ? first.phaseAt(first.into.length, first.need) : first.phase;
    this.breakWith(new SmtpError('ETIMEDOUT', `No reply from the server within ${timeoutMs} ms (${phase})`, { phase, transient: true }));
  };

  /** Marks that the server may close after the next reply (QUIT, or a 421 we already read). */
  expectClose(): void {
    this.#closingExpected = true;
  }

  /**
   * Stops listening to the current stream (before STARTTLS hands it to node:tls) and returns it.
   * The caller must have checked hasBufferedInput first.
   */
  detach(): Duplex {
    setReadSink(this.#stream, undefined);
    this.#stream.off('data', this.#onData);
    this.#stream.off('error', this.#onError);
    this.#stream.off('close', this.#onClose);
    this.#stream.off('end', this.#onEnd);
    return this.#stream;
  }

  /**
   * Gives the stream away for good (the bench's message pump): listeners and the read timer removed, the
   * bytes of an unfinished reply line returned with it. Only between exchanges: a reply owed, or one
   * arrived and unread, means the stream is not at a reply boundary, and that is an error.
   */
  handOver(): { stream: Duplex; buffered: Buffer | undefined } {
    if (this.#broken) throw this.#broken;
    if (this.#expected > 0 || this.#arrived.length > 0 || this.#waiters.length > 0) {
      throw new SmtpError('EPROTOCOL', 'The session cannot be handed over with replies pending', { phase: 'mail', transient: false });
    }
    const buffered = this.#parser.takeUnfinishedLine();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    return { stream: this.detach(), buffered };
  }

  /** Continues on a new stream (the TLS socket after STARTTLS) with a fresh parser state. */
  reattach(stream: Duplex): void {
    this.#stream = stream;
    this.#parser.reset();
    this.#attach(stream);
  }

  /** Breaks the channel: rejects every pending read and destroys the socket. Idempotent. */
  breakWith(error: SmtpError): void {
    if (this.#broken) return;
    this.#broken = error;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#stream.destroy();
    for (const listener of this.#breakListeners?.splice(0) ?? []) listener(error);
  }

  /** Calls `listener` once when the channel breaks (at once when it is broken); returns its remover. */
  onBreak(listener: (error: SmtpError) => void): () => void {
    if (this.#broken) {
      listener(this.#broken);
      return () => undefined;
    }
    const listeners = (this.#breakListeners ??= []);
    listeners.push(listener);
    return () => {
      const at = listeners.indexOf(listener);
      if (at >= 0) listeners.splice(at, 1);
    };
  }

  #attach(stream: Duplex): void {
    if (!setReadSink(stream, this.#onData)) stream.on('data', this.#onData);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
    stream.on('end', this.#onEnd);
    // A stream that ended or died before we listened has already said so (direct reads do not hold 'end'
    // back until the bytes before it are read). After the bytes that did arrive: they are delivered first.
    if (stream.destroyed || stream.readableEnded) queueMicrotask(() => this.#onClose());
  }

  #onData = (chunk: Buffer): void => {
    if (this.#broken) return;
    let replies: Reply[];
    try {
      replies = this.#parser.push(chunk);
    } catch (error) {
      // The parser does not know the phase; stamp 'connect' so the session restamps it with its own.
      const message = SmtpError.is(error) ? error.message : String(error);
      this.breakWith(new SmtpError('EPROTOCOL', message, { phase: 'connect', transient: false, cause: error }));
      return;
    }
    for (const reply of replies) {
      this.#events.onReply?.(reply);
      this.#lastReply = reply;
      if (this.#expected === 0) {
        // Transcribed above like any reply: a conformance transcript shows what the server really sent.
        this.breakWith(
          new SmtpError('EPROTOCOL', `Unexpected reply with no command pending: ${reply.code} ${truncate(reply.message)}`, {
            phase: 'connect',
            replyCode: reply.code,
            response: truncate(reply.message),
            transient: false,
          }),
        );
        return;
      }
      this.#expected -= 1;
      const waiter = this.#waiters[0];
      if (waiter === undefined) {
        this.#arrived.push(reply);
      } else if (waiter.into === undefined) {
        this.#waiters.shift();
        waiter.resolve(reply);
      } else {
        waiter.into.push(reply);
        if (waiter.into.length === waiter.need) {
          this.#waiters.shift();
          waiter.resolve(undefined);
        }
      }
      if (reply.code === 421) {
        // The server is closing the session (RFC 5321 3.8). Its reader still gets the 421; every later read
        // fails with it too (not with a vague "closed unexpectedly"), and the session is never reused.
        this.#closingExpected = true;
        this.breakWith(replyError(reply, 'connect', 'The server is closing the connection', 'ECONNECTION'));
        return;
      }
    }
    // Junk after whole replies in the same chunk: those replies were delivered above (a 250 to the final dot
    // still counts), then the session ends, since nothing after the junk can be trusted.
    const failure = this.#parser.takeFailure();
    if (failure) this.breakWith(new SmtpError('EPROTOCOL', failure.message, { phase: 'connect', transient: false, cause: failure }));
  };

  #onError = (err: Error): void => {
    this.breakWith(
      new SmtpError('ECONNECTION', `Connection error: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {
        phase: 'connect',
        transient: true,
        cause: err,
      }),
    );
  };

  #onEnd = (): void => this.#onClose();

  #onClose = (): void => {
    if (this.#broken) return;
    const last = this.#lastReply;
    if (!this.#closingExpected && last !== undefined && isPipeliningRefusal(last)) {
      // Refused commands sent ahead of its reply, then hung up (Postfix's smtpd_forbid_unauth_pipelining,
      // Exim's synchronization check): like a 421, it processed nothing after that reply. The reply code says
      // so to every read still waiting (see closedAfterRefusal in transaction.ts).
      const refusal = replyError(last, 'connect', 'The server refused commands sent ahead of its reply and closed the connection', 'ECONNECTION');
      // Transient: a new connection that waits for each reply gets through.
      this.breakWith(new SmtpError('ECONNECTION', refusal.message, { phase: 'connect', replyCode: last.code, response: refusal.response ?? '', transient: true }));
      return;
    }
    const message = this.#closingExpected ? 'Connection closed' : 'Connection closed by the server unexpectedly';
    this.breakWith(new SmtpError('ECONNECTION', message, { phase: 'connect', transient: true }));
  };

  #waitDrain(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // A server that stops reading would otherwise leave us waiting for 'drain' forever.
      const timer = setTimeout(() => {
        cleanup();
        const error = new SmtpError('ETIMEDOUT', `The server stopped reading for ${timeoutMs} ms`, { phase: 'data', transient: true });
        this.breakWith(error);
        reject(error);
      }, timeoutMs);
      timer.unref?.();
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#stream.off('drain', onDrain);
        this.#stream.off('close', onClose);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onClose = (): void => {
        cleanup();
        reject(this.#broken ?? new SmtpError('ECONNECTION', 'Connection closed while writing', { phase: 'data', transient: true }));
      };
      this.#stream.on('drain', onDrain);
      this.#stream.on('close', onClose);
    });
  }
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
