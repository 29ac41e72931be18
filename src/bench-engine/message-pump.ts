/**
 * The message pump: the load generator's steady-state loop on a session the real client opened (connect,
 * greeting, EHLO, STARTTLS, AUTH) and then handed over (sessionHooks(conn).detach()).
 *
 * Why not SmtpConnection.send() per message: send() is the library's full transaction (body description
 * and line-ending normalisation, envelope plan, reply channel, a promise per message), which is the right
 * work for a caller's message and wasted work for the same prepared payload sent again and again. A load
 * generator is measured by what it leaves to the server, so this loop does only what the exchange needs:
 * the wire bytes are prepared once per session (pump-wire.ts), replies go through the protocol's parser,
 * and every reply code is still checked, as the client checks it.
 *
 * The exchange per server capability is the client's: with PIPELINING, MAIL + RCPT... + DATA in one write,
 * then the content and its dot with the next envelope behind it (two transactions in flight); with
 * PIPELINING and CHUNKING, MAIL + RCPT... + BDAT LAST and the content in one write, two transactions in
 * flight, an RSET leading a group written while a BDAT is unanswered (as the client does); without
 * PIPELINING one command at a time. A refused transaction is counted with the client's error code, and
 * RSET is sent before the next one when the server may still hold it. One timer per session, not per
 * message, fails the session when no reply comes in time.
 */
import type { Duplex } from 'node:stream';
import { SmtpError, type SmtpPhase } from '../errors.js';
import type { Capabilities } from '../protocol/capabilities.js';
import { ReplyParser } from '../protocol/reply-parser.js';
import { isPositive, type Reply } from '../protocol/reply.js';
import { isOutOfSequence } from '../protocol/reply-sequence.js';
import { outOfSequenceError, replyError } from '../connection/reply-errors.js';
import { setReadSink } from '../tls/direct-reads.js';
import { atTurnEnd } from '../connection/loop-turn.js';
import type { PayloadSlot } from './payload.js';
import type { PumpWire } from './pump-wire.js';

/** What the pump reports to the runner. */
export interface PumpHost {
  /** The next message number, or -1 when no more should be sent. */
  claim(): number;
  sent(latencyMs: number, bytes: number): void;
  failed(error: SmtpError): void;
}

export interface PumpSession {
  socket: Duplex;
  buffered: Buffer | undefined;
  capabilities: Capabilities;
}

export interface PumpSettings {
  /** The bench's --no-pipelining turns this off. */
  pipelining: boolean;
  chunking: boolean;
  commandMs: number;
  dataMs: number;
}

// What each owed reply answers.
const RSET = 0;
const MAIL = 1;
const RCPT = 2;
const DATA = 3;
const DOT = 4;
const BDAT = 5;
/** The lone dot after a 354 nobody wanted (RFC 2920 3.1: every recipient refused, DATA accepted). */
const EMPTY_DOT = 6;
const QUIT = 7;

/** One message on the wire. Two per session, reused: nothing is allocated per message. */
interface Txn {
  slot: PayloadSlot;
  busy: boolean;
  started: number;
  accepted: number;
  /** Commands of its envelope already written (without PIPELINING). */
  step: number;
  mailRefused: boolean;
  failure: SmtpError | undefined;
  /** Its BDAT's place in write order (see #needReset). */
  ticket: number;
}

export function runPump(session: PumpSession, wire: PumpWire, slots: [PayloadSlot, PayloadSlot], settings: PumpSettings, host: PumpHost): Promise<void> {
  return new Promise<void>((resolve) => new Pump(session, wire, slots, settings, host, resolve).start());
}

class Pump {
  readonly #socket: Duplex;
  readonly #wire: PumpWire;
  readonly #host: PumpHost;
  readonly #settings: PumpSettings;
  readonly #done: () => void;
  readonly #parser = new ReplyParser();
  readonly #pipelining: boolean;
  readonly #chunking: boolean;
  readonly #txns: Txn[];
  /** Owed replies, oldest first: what each answers and for which message. */
  readonly #kinds: number[] = [];
  readonly #owners: Array<Txn | undefined> = [];
  #buffered: Buffer | undefined;
  /** The server may still hold a refused or unanswered transaction: the next one starts with RSET. */
  #needReset = false;
  #bdatWritten = 0;
  #quitting = false;
  #finished = false;
  #timer: NodeJS.Timeout | undefined;
  /** performance.now() of the last reply (or of the first write after a quiet moment). */
  #lastActivity = performance.now();

  constructor(session: PumpSession, wire: PumpWire, slots: [PayloadSlot, PayloadSlot], settings: PumpSettings, host: PumpHost, done: () => void) {
    this.#socket = session.socket;
    this.#buffered = session.buffered;
    this.#wire = wire;
    this.#settings = settings;
    this.#host = host;
    this.#done = done;
    this.#pipelining = settings.pipelining && session.capabilities.pipelining;
    this.#chunking = settings.chunking && session.capabilities.chunking;
    this.#txns = slots.map((slot) => ({ slot, busy: false, started: 0, accepted: 0, step: 0, mailRefused: false, failure: undefined, ticket: 0 }));
  }

  start(): void {
    const socket = this.#socket;
    if (!setReadSink(socket, this.#onData)) socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('end', this.#onClose);
    if (socket.destroyed || socket.readableEnded) {
      queueMicrotask(this.#onClose);
      return;
    }
    this.#arm(this.#settings.commandMs);
    const now = performance.now();
    socket.cork();
    this.#fill(now);
    socket.uncork();
    const early = this.#buffered;
    this.#buffered = undefined;
    if (early) this.#onData(early);
  }

  // ---- writing ----

  /** Starts as many messages as the exchange allows now; QUIT when there is nothing left to do. */
  #fill(now: number): void {
    while (!this.#quitting && !this.#finished) {
      if (!this.#mayStart()) return;
      const txn = this.#txns[0]?.busy ? this.#txns[1] : this.#txns[0];
      if (txn === undefined || txn.busy) return;
      const n = this.#host.claim();
      if (n < 0) break;
      this.#begin(txn, n, now);
    }
    if (this.#kinds.length === 0 && !this.#quitting && !this.#finished) {
      this.#quitting = true;
      this.#write(this.#wire.quit, QUIT, undefined, now);
    }
  }

  /** Without PIPELINING: nothing owed. With it: no envelope awaiting its replies, and a free message. */
  #mayStart(): boolean {
    if (!this.#pipelining) return this.#kinds.length === 0;
    if (this.#chunking) return true;
    const kinds = this.#kinds;
    for (let i = 0; i < kinds.length; i += 1) if (kinds[i] !== DOT) return false;
    return true;
  }

  #begin(txn: Txn, n: number, now: number): void {
    txn.busy = true;
    txn.slot.set(n);
    txn.started = now;
    txn.accepted = 0;
    txn.step = 0;
    txn.mailRefused = false;
    txn.failure = undefined;
    const wire = this.#wire;
    if (this.#needReset) {
      this.#needReset = false;
      this.#write(wire.rset, RSET, txn, now);
      if (!this.#pipelining) return; // MAIL follows the RSET's reply
    }
    if (!this.#pipelining) {
      this.#next(txn, now);
      return;
    }
    this.#write(wire.envelope, MAIL, txn, now);
    for (let i = 0; i < wire.rcpts.length; i += 1) this.#owe(RCPT, txn);
    txn.step = 1 + wire.rcpts.length;
    if (this.#chunking) this.#writeBdat(txn, now);
    else this.#write(wire.data, DATA, txn, now);
  }

  /** Without PIPELINING: the next command of this envelope, decided by the replies so far. */
  #next(txn: Txn, now: number): void {
    const wire = this.#wire;
    const step = txn.step;
    txn.step += 1;
    if (step === 0) this.#write(wire.mail, MAIL, txn, now);
    else if (step <= wire.rcpts.length) this.#write(wire.rcpts[step - 1] as Buffer, RCPT, txn, now);
    else if (txn.accepted === 0) {
      // Every recipient refused: no DATA (the client stops there too); the server keeps the sender.
      this.#needReset = true;
      this.#fail(txn, this.#envelopeFailure(txn), now);
    } else if (this.#chunking) this.#writeBdat(txn, now);
    else this.#write(wire.data, DATA, txn, now);
  }

  #writeBdat(txn: Txn, now: number): void {
    const wire = this.#wire;
    this.#needReset = true; // until its answer, the server may be left mid-transaction
    txn.ticket = ++this.#bdatWritten;
    this.#write(wire.bdatLast, BDAT, txn, now);
    this.#socket.write(txn.slot.bytes);
    if (wire.bdatTail.byteLength > 0) this.#socket.write(wire.bdatTail);
  }

  #write(bytes: Buffer, kind: number, txn: Txn | undefined, now: number): void {
    if (this.#kinds.length === 0) this.#lastActivity = now; // the timeout counts from here, not from the last reply
    this.#owe(kind, txn);
    this.#socket.write(bytes);
  }

  #owe(kind: number, txn: Txn | undefined): void {
    this.#kinds.push(kind);
    this.#owners.push(txn);
  }

  // ---- reading ----

  readonly #onData = (chunk: Buffer): void => {
    if (this.#finished) return;
    let replies: Reply[];
    try {
      replies = this.#parser.push(chunk);
    } catch (error) {
      this.#break(SmtpError.from(error, { code: 'EPROTOCOL', phase: this.#phaseOf(this.#kinds[0]) }));
      return;
    }
    const now = performance.now();
    this.#lastActivity = now;
    const socket = this.#socket;
    socket.cork();
    for (let i = 0; i < replies.length && !this.#finished; i += 1) this.#reply(replies[i] as Reply, now);
    const failure = this.#parser.takeFailure();
    if (failure) this.#break(failure.with({ phase: this.#phaseOf(this.#kinds[0]) }));
    if (!this.#finished) this.#fill(now);
    flushAtTurnEnd(socket);
  };

  #reply(reply: Reply, now: number): void {
    const kind = this.#kinds.shift();
    const txn = this.#owners.shift();
    if (kind === undefined) {
      this.#break(new SmtpError('EPROTOCOL', `Unexpected reply with no command pending: ${reply.code}`, { phase: 'mail', replyCode: reply.code, transient: false }));
      return;
    }
    const phase = this.#phaseOf(kind);
    if (kind === QUIT) {
      this.#finish();
      return;
    }
    if (reply.code === 421) {
      // The server is closing the session (RFC 5321 3.8): this message and every other in flight fail with it.
      if (txn) txn.failure = replyError(reply, phase, 'The server is closing the connection', 'ECONNECTION');
      this.#break(replyError(reply, phase, 'The server is closing the connection', 'ECONNECTION'), txn);
      return;
    }
    const awaiting = kind === DATA ? 'intermediate' : 'completion';
    if (isOutOfSequence(reply, awaiting)) {
      this.#break(outOfSequenceError(reply, phase, commandName(kind), kind === DOT || kind === BDAT ? 'unknown' : 'none'));
      return;
    }
    if (txn === undefined) return;
    const positive = isPositive(reply);
    switch (kind) {
      case RSET:
        if (!positive) this.#needReset = true;
        if (!this.#pipelining) this.#next(txn, now);
        return;
      case MAIL:
        if (!positive) {
          txn.mailRefused = true;
          txn.failure = replyError(reply, 'mail', 'The server refused the sender', 'EENVELOPE');
          if (!this.#pipelining) this.#fail(txn, txn.failure, now);
          return;
        }
        if (!this.#pipelining) this.#next(txn, now);
        return;
      case RCPT:
        if (positive) txn.accepted += 1;
        else txn.failure ??= replyError(reply, 'rcpt', 'Every recipient was refused', 'EENVELOPE');
        if (!this.#pipelining) this.#next(txn, now);
        return;
      case DATA:
        this.#dataReply(txn, reply, now);
        return;
      case EMPTY_DOT:
        this.#fail(txn, txn.failure ?? this.#envelopeFailure(txn), now);
        return;
      case DOT:
        if (positive) this.#succeed(txn, now);
        else this.#fail(txn, replyError(reply, 'data', 'The server refused the message', 'EMESSAGE'), now);
        return;
      case BDAT:
        this.#bdatReply(txn, reply, now);
        return;
    }
  }

  #dataReply(txn: Txn, reply: Reply, now: number): void {
    const envelopeOk = !txn.mailRefused && txn.accepted > 0;
    if (reply.code === 354) {
      if (envelopeOk) {
        const socket = this.#socket;
        socket.write(txn.slot.bytes);
        this.#owe(DOT, txn);
        socket.write(this.#wire.terminator);
        return;
      }
      // DATA taken though the envelope was refused: an empty message's dot ends it, then RSET (the client's way).
      this.#needReset = true;
      this.#owe(EMPTY_DOT, txn);
      this.#socket.write(EMPTY_DOT_BYTES);
      return;
    }
    // The sender was refused: the server holds nothing. Otherwise it holds the sender (and recipients).
    if (!txn.mailRefused) this.#needReset = true;
    this.#fail(txn, envelopeOk ? replyError(reply, 'data', 'The server refused DATA', 'EMESSAGE') : this.#envelopeFailure(txn), now);
  }

  #bdatReply(txn: Txn, reply: Reply, now: number): void {
    if (txn.mailRefused || txn.accepted === 0) {
      this.#fail(txn, this.#envelopeFailure(txn), now);
      return;
    }
    if (!isPositive(reply)) {
      this.#fail(txn, replyError(reply, 'data', 'The server refused the message', 'EMESSAGE'), now);
      return;
    }
    // Clean again, unless a later BDAT has been written since: its outcome is still open.
    if (txn.ticket === this.#bdatWritten) this.#needReset = false;
    this.#succeed(txn, now);
  }

  #envelopeFailure(txn: Txn): SmtpError {
    return txn.failure ?? new SmtpError('EENVELOPE', 'Every recipient was refused', { phase: 'rcpt', transient: false });
  }

  #succeed(txn: Txn, now: number): void {
    txn.busy = false;
    this.#host.sent(now - txn.started, txn.slot.bytes.byteLength);
  }

  #fail(txn: Txn, error: SmtpError, _now: number): void {
    txn.busy = false;
    this.#host.failed(error);
  }

  // ---- the end ----

  /** The session is over: every message in flight fails with `error` (`first`, if given, with its own). */
  #break(error: SmtpError, first?: Txn): void {
    if (this.#finished) return;
    for (const txn of this.#txns) {
      if (!txn.busy) continue;
      txn.busy = false;
      this.#host.failed(txn === first && txn.failure ? txn.failure : error);
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#kinds.length = 0;
    this.#owners.length = 0;
    setReadSink(this.#socket, undefined);
    this.#socket.destroy();
    this.#done();
  }

  readonly #onClose = (): void => {
    if (this.#finished) return;
    if (this.#quitting && this.#kinds.length <= 1) {
      this.#finish(); // hanging up instead of answering QUIT is common and harmless
      return;
    }
    this.#break(new SmtpError('ECONNECTION', 'Connection closed by the server unexpectedly', { phase: this.#phaseOf(this.#kinds[0]), transient: true }));
  };

  readonly #onError = (error: Error): void => {
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    this.#break(new SmtpError('ECONNECTION', `Connection error: ${code}`, { phase: this.#phaseOf(this.#kinds[0]), transient: true, cause: error }));
  };

  /** One timer for the session: it checks the time since the last reply when it fires, and re-arms. */
  #arm(ms: number): void {
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(ms)));
    this.#timer.unref?.();
  }

  readonly #onTimer = (): void => {
    if (this.#finished) return;
    const oldest = this.#kinds[0];
    const limit = oldest === DOT || oldest === BDAT ? this.#settings.dataMs : this.#settings.commandMs;
    const waited = performance.now() - this.#lastActivity;
    if (oldest !== undefined && waited >= limit - 1) {
      const phase = this.#phaseOf(oldest);
      this.#break(new SmtpError('ETIMEDOUT', `No reply from the server within ${limit} ms (${phase})`, { phase, transient: true }));
      return;
    }
    this.#arm(oldest === undefined ? limit : limit - waited);
  };

  #phaseOf(kind: number | undefined): SmtpPhase {
    if (kind === RCPT) return 'rcpt';
    if (kind === DATA || kind === DOT || kind === BDAT || kind === EMPTY_DOT) return 'data';
    if (kind === QUIT) return 'quit';
    return 'mail';
  }
}

const EMPTY_DOT_BYTES = Buffer.from('.\r\n', 'latin1');

/**
 * The sockets written in this loop turn, uncorked together when it ends (one setImmediate for all), as the
 * client's ReplyChannel does: the replies of many sessions arrive in one poll, and their writes then reach
 * the server in one burst instead of waking it once per session.
 */
let corked: Duplex[] = [];

function flushAtTurnEnd(socket: Duplex): void {
  if (corked.length === 0) atTurnEnd(uncorkAll);
  corked.push(socket);
}

function uncorkAll(): void {
  const list = corked;
  corked = [];
  for (const socket of list) socket.uncork();
}

function commandName(kind: number): string {
  return ['RSET', 'MAIL', 'RCPT', 'DATA', 'the end of the message', 'BDAT', 'the end of the message', 'QUIT'][kind] ?? 'the command';
}
