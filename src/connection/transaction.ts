/**
 * One mail transaction (MAIL, RCPT..., DATA or BDAT) and the queue of transactions on one connection.
 *
 * Ordering is kept by a write gate: a transaction writes its envelope only when the one before it will write
 * nothing more (its body's terminator is on the wire, or it is finished). With PIPELINING that lets the next
 * MAIL follow the previous dot without waiting for the dot's reply (RFC 2920 allows the message content to
 * start a group), so a pooled stream of messages costs about one round trip each. Reads are issued in write
 * order, and the ReplyChannel FIFO pairs them.
 *
 * Delivery accounting: until the final terminator is written, any failure means the server did not take the
 * message ('none'); between that write and the final reply, a dead connection means 'unknown'.
 */
import { SmtpError, sourceFailure, type SmtpPhase } from '../errors.js';
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import * as cmd from '../protocol/commands.js';
import type { Capabilities } from '../protocol/capabilities.js';
import { formatReply, isPositive, type Reply } from '../protocol/reply.js';
import { isPipeliningRefusal } from '../protocol/pipelining-refusal.js';
import { DotStuffer, stuffNormalizedBody } from '../protocol/dot-stuffer.js';
import { BdatChunker, type BdatChunk } from '../protocol/bdat-chunker.js';
import type { ReplyChannel } from './reply-channel.js';
import type { Transcript } from './transcript.js';
import type { CrossMessagePipelining, Timeouts } from './options.js';
import { outOfSequenceError, replyError, rephase } from './reply-errors.js';
import { isOutOfSequence } from '../protocol/reply-sequence.js';
import { describeBody, type BodyInfo, type MessageBody } from './body-source.js';
import { readBody } from './body-read.js';
import { collectLmtpReplies, lmtpResponse, readLmtpReplies } from './lmtp-replies.js';
import { classify, planEnvelope, type EnvelopeAccepted, type EnvelopeOutcome, type EnvelopePlan, type Envelope, type RejectedRecipient, type SendOptions } from './envelope-plan.js';

export type { MessageBody } from './body-source.js';
export type { Envelope, DsnOptions, SendOptions, RejectedRecipient } from './envelope-plan.js';

/** What one transaction on a connection returned: accepted and rejected recipients, the final reply and its code, the bytes sent and DATA or BDAT. */
export interface SendResult {
  accepted: string[];
  rejected: RejectedRecipient[];
  /** The server's reply to the end of the message. */
  response: string;
  replyCode: number;
  /** Bytes of message content written (after normalisation, before dot-stuffing). */
  messageBytes: number;
  /** 'DATA' or 'BDAT'. */
  method: 'DATA' | 'BDAT';
  /** What was asked for and not done, one word per kind (see SendInfo.warnings). */
  warnings?: string[];
}

export interface RunnerContext {
  channel: ReplyChannel;
  transcript: Transcript;
  capabilities: () => Capabilities;
  timeouts: Timeouts;
  useChunking: boolean;
  usePipelining: boolean;
  onBusy: (busy: boolean) => void;
  /** LMTP (RFC 2033): one reply per accepted recipient after the message. Chunking must be off. */
  lmtp?: boolean;
  /** Shared memory of servers that refuse a message written behind the previous one's unanswered end. */
  crossMessage?: CrossMessagePipelining | undefined;
}

/** Bodies up to this size, already in memory, go out with MAIL/RCPT/BDAT in a single write. */
const ONE_FLIGHT_LIMIT = 1024 * 1024;
/** BDAT chunk size for streamed bodies. */
const BDAT_CHUNK = 256 * 1024;

interface TransactionState {
  terminatorWritten: boolean;
  /** This transaction's end is counted in #unansweredEnds. */
  endCounted: boolean;
  /** Its envelope was written while an earlier message's end was still unanswered. */
  behindEnd: boolean;
  /** Something of it (RSET, envelope) is on the wire: an abort can then only drop the session. */
  wrote: boolean;
  /** run() has returned or thrown. */
  settled: boolean;
  /** Set when it was aborted before its turn came: its own gate then opens only once this one has. */
  turnPending: Gate | undefined;
  /** The gate it holds; a message sent again takes a new place at the back of the queue (#again). */
  gate: Gate;
}

/** A message refused because it was pipelined behind another's end: it was never taken, so it goes again. */
class FollowerRefused extends Error {
  readonly error: SmtpError;
  constructor(error: SmtpError) {
    super(error.message);
    this.error = error;
  }
}

type InternalOptions = SendOptions & { state: TransactionState };

/**
 * The write gate a transaction holds (see the file comment). Its promise is made only when someone waits
 * while it is shut: on a pipelined connection the next transaction often comes when this one's end is already
 * written, and then a promise, its executor and its resolve function per message were made for nothing.
 */
class Gate {
  #open = false;
  #opened: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  /** A gate that is open from the start. */
  static open(): Gate {
    const gate = new Gate();
    gate.#open = true;
    return gate;
  }

  /** Resolves once the gate is open (a settled promise when it already is). */
  wait(): Promise<void> {
    if (this.#open) return SETTLED;
    if (this.#opened === undefined) {
      this.#opened = new Promise<void>(takeResolve);
      this.#resolve = taken;
      taken = undefined;
    }
    return this.#opened;
  }

  /** Idempotent. */
  open(): void {
    if (this.#open) return;
    this.#open = true;
    this.#resolve?.();
    this.#resolve = undefined;
  }
}

const SETTLED = Promise.resolve();

/** A gate's promise hands its resolve function over through this (no executor closure per gate). */
let taken: (() => void) | undefined;
function takeResolve(resolve: () => void): void {
  taken = resolve;
}

export class TransactionRunner {
  readonly #ctx: RunnerContext;
  #tail: Gate = Gate.open();
  #inFlight = 0;
  /** Set when a transaction may have left the server mid-transaction; the next one starts with RSET. */
  #resetBeforeNext = false;
  /**
   * Counts BDAT transactions whose last bytes are written. A pipelined BDAT is written before the one ahead
   * of it has its answer, so a finishing transaction may clear #resetBeforeNext only while no later one has
   * been written since: that later one's outcome is still open, and the flag is now about it.
   */
  #bdatWritten = 0;
  /** Messages whose end (dot or BDAT LAST) is written and whose final reply has not settled them yet. */
  #unansweredEnds = 0;
  #endsAnsweredWaiters: Array<() => void> = [];
  /** Cleared when this server refused a message written behind another's end (see pipelining-refusal.ts). */
  #acrossMessages = true;

  constructor(ctx: RunnerContext) {
    this.#ctx = ctx;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** True when the server may still hold a half-open transaction (the pool RSETs before reuse). */
  get needsReset(): boolean {
    return this.#resetBeforeNext;
  }

  /**
   * A BDAT transaction's last bytes are about to go out, before its answer: until that answer, the server may
   * be left mid-transaction (all RCPTs refused -> BDAT refused), so the next transaction starts with RSET.
   * Returns the ticket bdatAccepted() takes.
   */
  #bdatWriting(): number {
    this.#resetBeforeNext = true;
    return ++this.#bdatWritten;
  }

  /** That transaction was accepted: the server is clean, unless a later BDAT has been written since. */
  #bdatAccepted(ticket: number): void {
    if (this.#bdatWritten === ticket) this.#resetBeforeNext = false;
  }

  /** May the next message's envelope follow this one's end without waiting for its reply? */
  #pipelineAcross(): boolean {
    return this.#acrossMessages && (this.#ctx.crossMessage?.allowed() ?? true);
  }

  /** This server refused a message written behind another's end: not on this connection, nor (for a while) others. */
  #stopPipeliningAcross(): void {
    this.#acrossMessages = false;
    this.#ctx.crossMessage?.refused();
  }

  #endWritten(state: TransactionState): void {
    state.terminatorWritten = true;
    if (state.endCounted) return;
    state.endCounted = true;
    this.#unansweredEnds += 1;
  }

  #endAnswered(state: TransactionState): void {
    if (!state.endCounted) return;
    state.endCounted = false;
    this.#unansweredEnds -= 1;
    if (this.#unansweredEnds > 0) return;
    const waiters = this.#endsAnsweredWaiters;
    this.#endsAnsweredWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once no message on this connection waits for the reply to its end. */
  async #allEndsAnswered(): Promise<void> {
    while (this.#unansweredEnds > 0) await new Promise<void>((resolve) => this.#endsAnsweredWaiters.push(resolve));
  }

  /** A successful RSET sent outside a transaction (the pool's, before reuse): the next one needs none. */
  resetDone(): void {
    if (this.#inFlight === 0) this.#resetBeforeNext = false;
  }

  /**
   * An async function with try/finally rather than `.finally()`: finally() allocates two closures and two
   * more promises per call, and this runs once per message.
   *
   * The common message (PIPELINING, DATA, the body in memory, no beforeCommit, not LMTP) goes all the way in
   * this one frame: one await for its turn, one for every reply of its envelope, one for the final reply.
   * Each async function a message passes through costs a promise, a suspended frame and an await's
   * closures, and with a function per step that was about half of what a send allocated. Everything else
   * (BDAT, streamed bodies, beforeCommit, LMTP, servers without PIPELINING, refusals) goes through #attempt.
   */
  async run(envelope: Envelope, body: MessageBody, options: SendOptions): Promise<SendResult> {
    const state: TransactionState = { terminatorWritten: false, endCounted: false, behindEnd: false, wrote: false, settled: false, turnPending: undefined, gate: new Gate() };
    const previous = this.#tail;
    this.#tail = state.gate;
    this.#inFlight += 1;
    this.#ctx.onBusy(true);
    const signal = options.signal;
    let subscription: AbortSubscription | undefined;
    try {
      // Inside the try: if this throws (a caller's bogus signal), the finally still opens the gate.
      if (signal) subscription = subscribeAbort(signal, () => this.#abortMidway(state));
      const { channel, timeouts, transcript } = this.#ctx;
      // Always a microtask, even behind an open gate: an abort signalled right after send() returns must still
      // find the transaction unwritten (EABORT, nothing sent). An abort while waiting ends the wait: nothing of
      // this transaction is written, so it leaves at once without touching the session.
      if (signal === undefined) await previous.wait();
      else if (!(await turnOrAbort(previous.wait(), signal))) state.turnPending = previous;
      if (channel.broken && state.turnPending === undefined) throw rephase(channel.broken, 'mail');
      throwIfAborted(signal, 'mail');
      const caps = this.#ctx.capabilities();
      const info = describeBody(body);
      const plan = planEnvelope(envelope, info, options, caps, transcript);
      state.behindEnd = this.#unansweredEnds > 0;
      const bytes = info.bytes;
      const straight = bytes !== undefined && this.#ctx.usePipelining && caps.pipelining && !(this.#ctx.useChunking && caps.chunking) && !this.#ctx.lmtp && !options.beforeCommit;
      try {
        if (!straight) return await this.#attempt(state.gate, caps, info, plan, { ...options, state });
        // What #attempt, #envelopeReplies, #streamData and #finish do for this case, in the same order.
        // Without PIPELINING across messages (refused by this server), the next transaction waits for this
        // one's last reply: the finally below opens the gate then.
        const early = this.#pipelineAcross() ? state.gate : AFTER_LAST_REPLY;
        const reset = this.#resetBeforeNext ? cmd.rset() : '';
        this.#resetBeforeNext = false;
        state.wrote = true;
        const lead = reset ? 1 : 0;
        const count = lead + 2 + plan.rcptLines.length;
        let wire = reset + plan.mailLine;
        for (const rcpt of plan.rcptLines) wire += rcpt.line;
        wire += DATA_LINE;
        transcript.client(wire);
        const replies: Reply[] = [];
        try {
          const backpressure = channel.post(wire, count);
          if (backpressure) await backpressure;
          // One wait for every reply of the group; a timeout names the command still unanswered.
          await channel.readInto(replies, count, lead ? phaseAfterReset : phaseWithoutReset, timeouts.commandMs);
        } catch (error) {
          throw this.#envelopeFailure(error, replies, lead, count, DATA_LINE, state.behindEnd);
        }
        const outcome = this.#sortEnvelope(plan, replies, lead, count, DATA_LINE, state.behindEnd);
        if (!outcome.ok) {
          await this.#recover(outcome.needsReset, outcome.dataAccepted);
          state.gate.open();
          throw outcome.error;
        }
        throwIfAborted(signal, 'data', channel);
        // describeBody already normalised it to CRLF: stuffing is one search for "\r\n.".
        const stuffed = stuffNormalizedBody(bytes);
        const held = stuffed.bytes;
        const contentBytes = bytes.byteLength;
        throwIfAborted(signal, 'data', channel);
        // Nothing of the body is on the wire yet: a session that died after its 354 did not get the message.
        if (channel.broken) throw rephase(channel.broken, 'data');
        if (transcript.enabled) transcript.info(`<${contentBytes} bytes of message content>`);
        transcript.client('.\r\n');
        const final = channel.read('data', timeouts.dataMs);
        this.#endWritten(state);
        // Two writes in one loop turn leave as one writev (the channel corks until the turn ends): no copy of the body.
        if (held.byteLength > 0) channel.post(held, 0, timeouts.dataMs)?.catch(ignore);
        const backpressure = channel.post(stuffed.terminator, 1, timeouts.dataMs);
        if (backpressure) {
          // The final reply may fail while this waits: it is awaited below, but must not count as unhandled.
          final.catch(ignore);
          await backpressure.catch(ignore);
        }
        early.open();
        let reply: Reply;
        try {
          reply = await final;
        } catch (error) {
          // The terminator is on the wire; the server may have taken the message. Never retried automatically.
          throw rephase(asSmtpError(error, 'data'), 'data', 'unknown');
        }
        return this.#finalResult(reply, outcome, contentBytes, 'DATA');
      } catch (error) {
        if (!(error instanceof FollowerRefused)) throw error;
        return await this.#again(state, caps, info, plan, { ...options, state });
      }
    } catch (error) {
      // The session dropped for this send's abort tells the sends behind it "connection dropped" (they did
      // nothing wrong and may go elsewhere); this send itself was aborted.
      if (signal?.aborted && !state.terminatorWritten && !(SmtpError.is(error) && error.code === 'EABORT')) {
        throw new SmtpError('EABORT', 'The send was aborted before the message was complete', { phase: SmtpError.is(error) ? error.phase : 'mail', transient: false, cause: error });
      }
      throw error;
    } finally {
      state.settled = true;
      subscription?.unsubscribe();
      this.#endAnswered(state);
      // Idempotent; makes sure nobody waits forever behind a failed transaction. One that left before its turn
      // (aborted) must not let the next one write while the ones ahead of it are still writing.
      const pending = state.turnPending;
      const gate = state.gate;
      if (pending === undefined) gate.open();
      else void pending.wait().then(() => gate.open());
      this.#inFlight -= 1;
      if (this.#inFlight === 0) this.#ctx.onBusy(false);
    }
  }

  /**
   * An abort before this transaction's end is on the wire. With nothing of it written, its next check throws
   * EABORT and nobody else is touched. Once its commands are out, the session can only be dropped (a half-sent
   * message must not be completed), but not before the messages ahead of it have their answers: their ends
   * are on the wire too, and dropping the session then would turn a message the server is taking into
   * delivery 'unknown' for a caller who aborted nothing.
   */
  #abortMidway(state: TransactionState): void {
    if (state.terminatorWritten || state.settled || !state.wrote) return;
    const drop = (): void => {
      if (!state.terminatorWritten && !state.settled) this.#ctx.channel.breakWith(droppedForAbort('mail'));
    };
    // This transaction's own end is not written, so every unanswered end belongs to one ahead of it.
    if (this.#unansweredEnds === 0) drop();
    else void this.#allEndsAnswered().then(drop);
  }

  /**
   * The server took the envelope written behind an unanswered end for an early talker and refused it: the
   * message was never taken (delivery none). Stop writing across messages, here and (for a while) on every
   * connection to this server, and send it again once nothing ahead waits for an answer. It goes to the back
   * of the queue: the transactions already waiting behind it keep their order.
   */
  async #again(turn: TransactionState, caps: Capabilities, info: BodyInfo, plan: EnvelopePlan, options: InternalOptions): Promise<SendResult> {
    const { channel } = this.#ctx;
    this.#stopPipeliningAcross();
    this.#ctx.transcript.info('The server refused commands pipelined after the end of a message; sending it again without');
    this.#endAnswered(options.state);
    options.state.terminatorWritten = false;
    const ahead = this.#tail;
    const again = new Gate();
    this.#tail = again;
    turn.gate.open();
    turn.gate = again;
    await ahead.wait();
    await this.#allEndsAnswered();
    if (channel.broken) throw rephase(channel.broken, 'mail', 'none');
    throwIfAborted(options.signal, 'mail');
    options.state.behindEnd = false;
    try {
      return await this.#attempt(turn.gate, caps, info, plan, options);
    } catch (second) {
      throw second instanceof FollowerRefused ? second.error : second;
    }
  }

  async #attempt(gate: Gate, caps: Capabilities, info: BodyInfo, plan: EnvelopePlan, options: InternalOptions): Promise<SendResult> {
    const pipelining = this.#ctx.usePipelining && caps.pipelining;
    const chunking = this.#ctx.useChunking && caps.chunking;
    // Without PIPELINING the next transaction may not be written before this one's last reply (RFC 2920:
    // only a server that offers it takes commands ahead); nor where the server refused that: run() opens the
    // gate when this one settles.
    const early = pipelining && this.#pipelineAcross() ? gate : AFTER_LAST_REPLY;

    const reset = this.#resetBeforeNext ? cmd.rset() : '';
    this.#resetBeforeNext = false;
    // `return await`, here and below: returning another async function's promise from an async function
    // costs two more microtask turns than awaiting it.
    if (chunking && pipelining && info.bytes && info.bytes.byteLength <= ONE_FLIGHT_LIMIT) {
      return await this.#oneFlightBdat(early, reset, plan, info.bytes, options);
    }
    options.state.wrote = true;
    // With PIPELINING the RSET leads the envelope's flight (RFC 2920 allows it anywhere in a group).
    if (reset && !pipelining) await this.#simple(reset, 'mail');
    const outcome = await this.#envelopeReplies(plan, pipelining, chunking ? '' : cmd.data(), pipelining ? reset : '', options.state.behindEnd);
    if (!outcome.ok) {
      await this.#recover(outcome.needsReset, outcome.dataAccepted);
      gate.open();
      throw outcome.error;
    }
    throwIfAborted(options.signal, 'data', this.#ctx.channel);
    return chunking
      ? await this.#streamBdat(early, info, outcome, options, pipelining)
      : await this.#streamData(early, info, outcome, options);
  }

  /**
   * [RSET +] MAIL + RCPTs (+ DATA), pipelined or one by one; sorts the replies into accepted and refused.
   * `reset` (pipelined only) leads the group; its reply is not judged: if it failed, the MAIL reply says so.
   */
  async #envelopeReplies(plan: EnvelopePlan, pipelining: boolean, dataLine: string, reset: string, behindEnd: boolean): Promise<EnvelopeOutcome> {
    const { channel, transcript, timeouts } = this.#ctx;
    const lead = reset ? 1 : 0;
    const count = lead + 1 + plan.rcptLines.length + (dataLine ? 1 : 0);
    const phaseOf = (i: number): SmtpPhase => envelopePhase(i, lead, count, dataLine);
    const replies: Reply[] = [];
    if (pipelining) {
      let wire = reset + plan.mailLine;
      for (const rcpt of plan.rcptLines) wire += rcpt.line;
      wire += dataLine;
      transcript.client(wire);
      try {
        const backpressure = channel.post(wire, count);
        if (backpressure) await backpressure;
        // One wait for every reply of the group; a timeout names the command still unanswered.
        await channel.readInto(replies, count, phaseOf, timeouts.commandMs);
      } catch (error) {
        throw this.#envelopeFailure(error, replies, lead, count, dataLine, behindEnd);
      }
      return this.#sortEnvelope(plan, replies, lead, count, dataLine, behindEnd);
    }
    // Without PIPELINING, stop at the first reply that makes the rest pointless.
    const lines = [plan.mailLine, ...plan.rcptLines.map((r) => r.line)];
    if (dataLine) lines.push(dataLine);
    for (const [i, line] of lines.entries()) {
      if (i === lines.length - 1 && dataLine && !replies.slice(1).some(isPositive)) break;
      const phase = phaseOf(i);
      transcript.client(line);
      let reply: Reply;
      try {
        reply = await channel.command(line, phase, timeouts.commandMs);
      } catch (error) {
        throw rephase(asSmtpError(error, phase), phase);
      }
      this.#inSequence(reply, dataLine && i === lines.length - 1 ? 'DATA' : i === 0 ? 'MAIL' : 'RCPT', phase);
      replies.push(reply);
      if (i === 0 && !isPositive(reply)) break;
    }
    const outcome = classify(plan, replies, dataLine !== '');
    if (!outcome.ok && behindEnd && refusedAsFollower(replies)) throw new FollowerRefused(outcome.error);
    return outcome;
  }

  /**
   * The error a pipelined envelope's failed read or write ends in. Channel failures say 'connect': this stamps
   * the command that failed, the one a 421 answered (the server closed after it), else the first one left
   * without a reply.
   */
  #envelopeFailure(error: unknown, replies: Reply[], lead: number, count: number, dataLine: string, behindEnd: boolean): SmtpError {
    const closedAt = replies.findIndex((r) => r.code === 421);
    const phase = envelopePhase(closedAt >= 0 ? closedAt : replies.length, lead, count, dataLine);
    const mailReply = replies[lead] ?? replies[0];
    if (behindEnd && mailReply && (isPipeliningRefusal(mailReply) || closedAfterRefusal(asSmtpError(error, phase)))) {
      // Refused as an early talker and disconnected (Postfix's smtpd_forbid_unauth_pipelining does so):
      // not taken, so a fresh connection may try again, and it will not write across messages.
      this.#stopPipeliningAcross();
      return new SmtpError('ECONNECTION', `The server refused commands pipelined after the end of a message and closed: ${formatReply(mailReply)}`, {
        phase: 'mail',
        replyCode: mailReply.code,
        transient: true,
        delivery: 'none',
        cause: error,
      });
    }
    return rephase(asSmtpError(error, phase), phase);
  }

  /** Checks a pipelined envelope's replies (all arrived) and sorts them into accepted and refused. */
  #sortEnvelope(plan: EnvelopePlan, replies: Reply[], lead: number, count: number, dataLine: string, behindEnd: boolean): EnvelopeOutcome {
    for (let i = 0; i < replies.length; i += 1) {
      this.#inSequence(replies[i] as Reply, dataLine && i === count - 1 ? 'DATA' : i < lead ? 'RSET' : i === lead ? 'MAIL' : 'RCPT', envelopePhase(i, lead, count, dataLine));
    }
    // A refused RSET leaves the server as it was: the next transaction (or the pool) tries RSET again.
    const resetReply = lead ? replies[0] : undefined;
    if (resetReply && !isPositive(resetReply)) this.#resetBeforeNext = true;
    const envelopeReplies = lead ? replies.slice(lead) : replies;
    const outcome = classify(plan, envelopeReplies, dataLine !== '');
    if (!outcome.ok && behindEnd && refusedAsFollower(envelopeReplies)) throw new FollowerRefused(outcome.error);
    return outcome;
  }

  async #streamData(gate: Gate, info: BodyInfo, outcome: EnvelopeAccepted, options: InternalOptions): Promise<SendResult> {
    const { channel, transcript, timeouts } = this.#ctx;
    // An in-memory body goes out with its terminator in one write (one syscall, one segment instead of two);
    // a streamed body is written chunk by chunk as it arrives, never held back waiting for the next one.
    let held: Uint8Array | undefined;
    let terminator: Uint8Array;
    let contentBytes: number; // the same figure as SendResult.messageBytes: CRLF content, stuffing dots not counted
    if (info.bytes) {
      // describeBody already normalised it to CRLF: stuffing is one search for "\r\n.".
      ({ bytes: held, terminator } = stuffNormalizedBody(info.bytes));
      contentBytes = info.bytes.byteLength;
    } else {
      const stuffer = new DotStuffer();
      try {
        for await (const chunk of readBody(info, channel, options.signal, timeouts.dataMs)) {
          throwIfAborted(options.signal, 'data', channel);
          const out = stuffer.push(chunk);
          if (out.byteLength > 0) await channel.write(out, 0, timeouts.dataMs);
        }
      } catch (error) {
        throw this.#abandon(sourceFailure(error, 'The message body could not be read', 'data'), 'data');
      }
      terminator = stuffer.end();
      contentBytes = stuffer.contentBytes;
    }
    throwIfAborted(options.signal, 'data', channel);
    // Mid-DATA a refusal can only drop the session: a lone dot would commit the message.
    if (options.beforeCommit) await this.#beforeCommit(options, true);
    // Nothing of an in-memory body is on the wire yet: a session that died after its 354 did not get the message.
    if (held && channel.broken) throw rephase(channel.broken, 'data');
    if (transcript.enabled) transcript.info(`<${contentBytes} bytes of message content>`);
    transcript.client('.\r\n');
    // LMTP: one reply per accepted recipient instead of one (lmtp-replies.ts), all read before the write.
    const lmtpReads = this.#ctx.lmtp ? readLmtpReplies(channel, outcome.accepted.length, timeouts.dataMs) : undefined;
    const final = lmtpReads ? undefined : channel.read('data', timeouts.dataMs);
    final?.catch(ignore);
    this.#endWritten(options.state);
    // Two writes in one loop turn leave as one writev (the channel corks until the turn ends): no copy of the body.
    if (held && held.byteLength > 0) channel.post(held, 0, timeouts.dataMs)?.catch(ignore);
    const backpressure = channel.post(terminator, lmtpReads?.length ?? 1, timeouts.dataMs);
    if (backpressure) await backpressure.catch(ignore);
    gate.open();
    if (lmtpReads) return await this.#finishLmtp(lmtpReads, outcome, contentBytes);
    return await this.#finish(final as Promise<Reply>, outcome, contentBytes, 'DATA');
  }

  async #streamBdat(gate: Gate, info: BodyInfo, outcome: EnvelopeAccepted, options: InternalOptions, pipelining: boolean): Promise<SendResult> {
    const chunker = new BdatChunker(BDAT_CHUNK);
    const pending: Array<Promise<Reply>> = [];
    let refused: Reply | undefined;
    let final: BdatChunk;
    try {
      reading: for await (const bytes of readBody(info, this.#ctx.channel, options.signal, this.#ctx.timeouts.dataMs)) {
        throwIfAborted(options.signal, 'data', this.#ctx.channel);
        for (const chunk of chunker.push(bytes)) {
          pending.push((await this.#writeChunk(chunk)).reply);
          // Without PIPELINING each chunk waits for its reply (a client may only send ahead to a server that
          // offers it), and a refused chunk ends the sending: no more chunks after a refusal (RFC 3030).
          if (pipelining) continue;
          const reply = await (pending.pop() as Promise<Reply>);
          this.#inSequence(reply, 'BDAT', 'data');
          if (!isPositive(reply)) {
            refused = reply;
            break reading;
          }
        }
      }
      throwIfAborted(options.signal, 'data', this.#ctx.channel);
      final = chunker.end();
    } catch (error) {
      throw this.#abandon(sourceFailure(error, 'The message body could not be read', 'data'), 'data');
    }
    if (refused) {
      // Every chunk sent has its reply, so the session is in step: it stays, and the next transaction starts
      // with RSET (the server may still hold this one's envelope).
      this.#resetBeforeNext = true;
      throw replyError(refused, 'data', 'The server refused the message', 'EMESSAGE');
    }
    if (options.beforeCommit) await this.#beforeCommit(options, true);
    this.#ctx.transcript.info(`<${chunker.bytesOut} bytes of message content in BDAT chunks>`);
    this.#endWritten(options.state);
    // The next transaction may be written before this one's replies arrive.
    const ticket = this.#bdatWriting();
    const { reply: last } = await this.#writeChunk(final);
    gate.open();
    for (const chunkReply of pending) {
      const reply = await chunkReply.catch((error: unknown) => {
        throw rephase(asSmtpError(error, 'data'), 'data', 'unknown');
      });
      this.#inSequence(reply, 'BDAT', 'data', 'unknown');
      if (!isPositive(reply)) {
        // The server refused a chunk; it discards the rest and the final reply says so too. (The RSET flag
        // is already up: it was raised before the gate opened.)
        await last.catch(ignore);
        throw replyError(reply, 'data', 'The server refused the message', 'EMESSAGE');
      }
    }
    const result = await this.#finish(last, outcome, chunker.bytesOut, 'BDAT');
    this.#bdatAccepted(ticket);
    return result;
  }

  /**
   * Writes one BDAT chunk (command and payload in one write) and returns its reply, read in write order.
   * The reply is wrapped: an async function returning a bare promise would wait for it. A failed write of the
   * LAST chunk is left to its read (the channel is broken then, and the read says so).
   */
  async #writeChunk(chunk: BdatChunk): Promise<{ reply: Promise<Reply> }> {
    const { channel, transcript, timeouts } = this.#ctx;
    transcript.client(chunk.line);
    const reply = channel.read('data', chunk.last ? timeouts.dataMs : timeouts.commandMs);
    reply.catch(ignore);
    const wire = chunk.size ? Buffer.concat([Buffer.from(chunk.line, 'latin1'), chunk.payload]) : chunk.line;
    const written = channel.write(wire, 1, timeouts.dataMs);
    if (chunk.last) await written.catch(ignore);
    else await written;
    return { reply };
  }

  /** MAIL, RCPTs and BDAT LAST with the whole body in one write: one round trip for the whole message. */
  async #oneFlightBdat(gate: Gate, reset: string, plan: EnvelopePlan, bytes: Uint8Array, options: InternalOptions): Promise<SendResult> {
    const { channel, transcript, timeouts } = this.#ctx;
    // Nothing of this transaction is written yet, and earlier pipelined ones may still await their replies:
    // a refusal leaves the session as it is (RSET still owed if one was due).
    if (options.beforeCommit) {
      try {
        await this.#beforeCommit(options, false);
        if (channel.broken) throw rephase(channel.broken, 'mail');
      } catch (error) {
        if (reset) this.#resetBeforeNext = true;
        throw error;
      }
    }
    // describeBody already normalised in-memory bodies to CRLF, so the bytes go out as they are.
    const size = bytes.byteLength;
    const commands = reset + plan.mailLine + plan.rcptLines.map((r) => r.line).join('') + cmd.bdat(size, true);
    const count = (reset ? 1 : 0) + 1 + plan.rcptLines.length + 1;
    transcript.client(commands);
    transcript.info(`<${bytes.byteLength} bytes of message content>`);
    throwIfAborted(options.signal, 'mail');
    options.state.wrote = true;
    const replies = readAll(channel, count, 'mail', timeouts.commandMs, timeouts.dataMs);
    const ticket = this.#bdatWriting();
    this.#endWritten(options.state);
    const backpressure = channel.post(Buffer.concat([Buffer.from(commands, 'utf8'), bytes]), count, timeouts.dataMs);
    if (backpressure) await backpressure.catch(ignore);
    gate.open();
    const all = replies.slice(reset ? 1 : 0);
    if (reset) {
      const resetReply = await replies[0]?.catch(() => undefined);
      if (resetReply) this.#inSequence(resetReply, 'RSET', 'mail', 'unknown');
    }
    const envelopeReplies: Reply[] = [];
    for (const p of all.slice(0, -1)) {
      envelopeReplies.push(await p.catch((error: unknown) => {
        const failure = asSmtpError(error, 'mail');
        // The body is on the wire, so a dead connection leaves the outcome unknown, unless the server already
        // said it will not take this message: a refused MAIL, or a 421 (it closes and processes nothing more).
        const mail = envelopeReplies[0];
        // Refused as an early talker, then the server hung up: stop writing across messages to it.
        const hungUp = closedAfterRefusal(failure);
        if (options.state.behindEnd && hungUp) this.#stopPipeliningAcross();
        const refused = failure.replyCode === 421 || hungUp || envelopeReplies.some((r) => r.code === 421) || (mail !== undefined && !isPositive(mail));
        throw rephase(failure, 'mail', refused ? 'none' : 'unknown');
      }));
      const reply = envelopeReplies[envelopeReplies.length - 1] as Reply;
      // The body is on the wire behind these commands: a server out of step may have taken it.
      this.#inSequence(reply, envelopeReplies.length === 1 ? 'MAIL' : 'RCPT', envelopeReplies.length === 1 ? 'mail' : 'rcpt', 'unknown');
    }
    const outcome = classify(plan, envelopeReplies, false);
    const last = all[all.length - 1] as Promise<Reply>;
    if (!outcome.ok) {
      const bdatReply = await last.catch(() => undefined);
      if (options.state.behindEnd && bdatReply && refusedAsFollower([...envelopeReplies, bdatReply])) throw new FollowerRefused(outcome.error);
      throw outcome.error;
    }
    const result = await this.#finish(last, outcome, bytes.byteLength, 'BDAT');
    this.#bdatAccepted(ticket);
    return result;
  }

  async #finish(final: Promise<Reply>, outcome: EnvelopeAccepted, written: number, method: 'DATA' | 'BDAT'): Promise<SendResult> {
    let reply: Reply;
    try {
      reply = await final;
    } catch (error) {
      // The terminator is on the wire; the server may have taken the message. Never retried automatically.
      throw rephase(asSmtpError(error, 'data'), 'data', 'unknown');
    }
    return this.#finalResult(reply, outcome, written, method);
  }

  /** Judges the reply to the end of the message: the result, or the refusal. */
  #finalResult(reply: Reply, outcome: EnvelopeAccepted, written: number, method: 'DATA' | 'BDAT'): SendResult {
    this.#inSequence(reply, 'the end of the message', 'data', 'unknown');
    if (!isPositive(reply)) throw replyError(reply, 'data', 'The server refused the message', 'EMESSAGE');
    return {
      accepted: outcome.accepted,
      rejected: outcome.rejected,
      response: formatReply(reply),
      replyCode: reply.code,
      messageBytes: written,
      method,
    };
  }

  /** LMTP's per-recipient replies after the message: some refused resolves with them in `rejected`. */
  async #finishLmtp(reads: Array<Promise<Reply>>, outcome: EnvelopeAccepted, written: number): Promise<SendResult> {
    const lmtp = await collectLmtpReplies(reads, outcome.accepted, outcome.rejected);
    return { accepted: lmtp.accepted, rejected: lmtp.rejected, response: lmtpResponse(lmtp), replyCode: lmtp.reply.code, messageBytes: written, method: 'DATA' };
  }

  /** Runs the caller's beforeCommit; a rejection is delivery 'none' (and drops the session when mid-body). */
  async #beforeCommit(options: InternalOptions, midBody: boolean): Promise<void> {
    try {
      await options.beforeCommit?.();
    } catch (error) {
      const failure = SmtpError.is(error)
        ? error.with({ delivery: 'none', transient: false })
        : new SmtpError('EABORT', `beforeCommit refused the send: ${String(error)}`, { phase: 'data', transient: false, cause: error });
      // Mid-body the session can only be dropped. Sends queued behind this one on it did nothing wrong:
      // they see a transient connection failure (retried elsewhere), not this send's refusal.
      if (midBody) {
        this.#ctx.channel.breakWith(new SmtpError('ECONNECTION', 'The session was dropped: another send on it was stopped by its beforeCommit', { phase: 'mail', transient: true }));
      }
      throw failure;
    }
  }

  /** After a refusal inside a transaction: end a 354 we did not want, then RSET so the session stays usable. */
  async #recover(needsReset: boolean, dataAccepted: boolean): Promise<void> {
    const { channel } = this.#ctx;
    if (channel.broken) return;
    try {
      // RFC 2920 3.1: if DATA was accepted though every RCPT failed, send an empty message's terminator.
      if (dataAccepted) await this.#simple('.\r\n', 'data');
      if (needsReset) await this.#simple(cmd.rset(), 'mail');
    } catch {
      // A session that cannot even RSET is broken; the channel already knows.
    }
  }

  async #simple(line: string, phase: SmtpPhase): Promise<Reply> {
    this.#ctx.transcript.client(line);
    let reply: Reply;
    try {
      reply = await this.#ctx.channel.command(line, phase, this.#ctx.timeouts.commandMs);
    } catch (error) {
      throw rephase(asSmtpError(error, phase), phase);
    }
    this.#inSequence(reply, line === '.\r\n' ? 'the end of the message' : line.trimEnd(), phase);
    return reply;
  }

  /**
   * A reply of a class its command cannot get (a 250 to DATA, a 354 to MAIL) is a protocol violation, not a
   * refusal: the server is out of step, so the session is broken and the send fails with EPROTOCOL.
   */
  #inSequence(reply: Reply, command: string, phase: SmtpPhase, delivery: 'none' | 'unknown' = 'none'): void {
    if (!isOutOfSequence(reply, command === 'DATA' ? 'intermediate' : 'completion')) return;
    const error = outOfSequenceError(reply, phase, command, delivery);
    this.#ctx.channel.breakWith(error);
    throw error;
  }

  /** A failure while streaming the body: the server is mid-DATA, so the session cannot continue. */
  #abandon(error: unknown, phase: SmtpPhase): SmtpError {
    const failure = rephase(asSmtpError(error, phase), phase);
    this.#ctx.channel.breakWith(failure);
    return failure;
  }
}

// ---- small helpers ----

/** Marks a promise as handled (it is awaited later, or its failure is reported another way). */
function ignore(): void {}

/**
 * The channel failed because the server refused commands sent ahead of its reply and hung up (reply-channel
 * stamps that close with the refusal's code): it processed nothing after that reply, like after a 421.
 */
function closedAfterRefusal(error: SmtpError): boolean {
  return error.code === 'ECONNECTION' && error.replyCode !== undefined && error.replyCode >= 500;
}

/**
 * The replies of a group written behind another message's end, as a server gives them when it refuses such
 * commands: the sender refused with that refusal's wording, and nothing in the group accepted.
 */
function refusedAsFollower(replies: readonly Reply[]): boolean {
  const mail = replies[0];
  return mail !== undefined && isPipeliningRefusal(mail) && !replies.some((r) => isPositive(r) || r.code === 354);
}

const DATA_LINE = cmd.data();

/** Which phase the i-th command of an envelope group stands for ([RSET,] MAIL, RCPT..., [DATA]). */
function envelopePhase(i: number, lead: number, count: number, dataLine: string): SmtpPhase {
  return i <= lead ? 'mail' : dataLine && i === count - 1 ? 'data' : 'rcpt';
}

/** The phases of the straight path's group (MAIL, RCPT..., DATA), without a closure per message. */
function phaseWithoutReset(i: number, count: number): SmtpPhase {
  return envelopePhase(i, 0, count, DATA_LINE);
}

/** The same group led by RSET. */
function phaseAfterReset(i: number, count: number): SmtpPhase {
  return envelopePhase(i, 1, count, DATA_LINE);
}

/** Stands in for the gate where the next transaction must wait for this one's last reply. */
const AFTER_LAST_REPLY: Gate = Gate.open();

/** Registers n reads at once (so later transactions queue behind them); the last may get a longer timeout. */
function readAll(channel: ReplyChannel, n: number, phase: SmtpPhase, timeoutMs: number, lastTimeoutMs: number): Array<Promise<Reply>> {
  const reads: Array<Promise<Reply>> = [];
  for (let i = 0; i < n; i += 1) {
    const read = channel.read(phase, i === n - 1 ? lastTimeoutMs : timeoutMs);
    read.catch(ignore); // awaited later, in order; this only silences the unhandled-rejection report
    reads.push(read);
  }
  return reads;
}

function throwIfAborted(signal: AbortSignal | undefined, phase: SmtpPhase, channel?: ReplyChannel): void {
  if (!signal?.aborted) return;
  // Mid-transaction the only safe way out is to drop the session.
  channel?.breakWith(droppedForAbort(phase));
  throw new SmtpError('EABORT', 'The send was aborted before the message was complete', { phase, transient: false });
}

/** True once `previous` resolves, false if `signal` fires first (or had fired). */
function turnOrAbort(previous: Promise<void>, signal: AbortSignal): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (signal.aborted) return resolve(false);
    const subscription = subscribeAbort(signal, () => resolve(false));
    void previous.then(() => {
      subscription.unsubscribe();
      resolve(true);
    });
  });
}

/** What the sends queued behind an aborted one on its session see: a dropped connection, not an abort. */
function droppedForAbort(phase: SmtpPhase): SmtpError {
  return new SmtpError('ECONNECTION', 'The session was dropped: another send on it was aborted mid-transaction', { phase, transient: true });
}

function asSmtpError(error: unknown, phase: SmtpPhase): SmtpError {
  return SmtpError.from(error, { code: 'ECONNECTION', phase });
}
