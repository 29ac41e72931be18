/**
 * The SMTP side of one sink connection: three input modes share one loop (command lines, a DATA body
 * dot-unstuffed on the fly, BDAT byte counts), and the verbs act on a small explicit state. Sockets, TLS,
 * batching of replies and back-pressure live in connection.ts.
 */

import type { Socket } from 'node:net';
import { startAuth, type AuthProgress } from './auth.js';
import { SinkConnection } from './connection.js';
import { DotUnstuffer } from './dot-unstuffer.js';
import { simplePath } from './envelope.js';
import { LineKind, LineReader } from './line-reader.js';
import { MessageBody } from './message-body.js';
import type { SinkConfig } from './options.js';
import { R, chunkReceived, ehloReply, greeting, queuedReply } from './replies.js';
import * as txn from './transaction.js';
import type { Transaction, Outcome } from './transaction.js';
import type { SinkStats, SunkMessage } from './types.js';
import { VERB_LENGTH, Verb, verbOf } from './verbs.js';

/** What a session needs from its server. */
export interface SessionHost {
  readonly config: SinkConfig;
  readonly stats: SinkStats;
  nextId(): string;
  /** Work close() must wait for (file writes, deletions). */
  track(work: Promise<unknown>): void;
  closed(session: SinkSession): void;
}

type Mode = 'command' | 'auth' | 'data' | 'bdat' | 'upgrading' | 'closed';

/** Protocol errors (bad syntax/sequence) tolerated per connection before we hang up. */
const MAX_PROTOCOL_ERRORS = 50;

export class SinkSession {
  readonly #host: SessionHost;
  readonly #cfg: SinkConfig;
  readonly #conn: SinkConnection;
  #mode: Mode = 'command';
  #errors = 0;
  #helo = '';
  #authUser: string | undefined;
  #authNext: ((line: string) => AuthProgress) | undefined;
  #tx: Transaction | null = null;
  #bdat = { remaining: 0, size: 0, last: false, refusal: null as Outcome | null };
  readonly #lines = new LineReader();
  readonly #unstuffer = new DotUnstuffer((buf, start, end) => this.#tx?.body?.write(buf, start, end));

  constructor(socket: Socket, host: SessionHost) {
    this.#host = host;
    this.#cfg = host.config;
    this.#conn = new SinkConnection(
      socket,
      host.config,
      { consume: (buf, pos) => this.#consume(buf, pos), closed: () => this.#closed() },
      greeting(host.config.hostname, host.config.banner),
    );
  }

  /** Server shutdown. */
  shutdown(): void {
    this.#mode = 'closed';
    this.#conn.shutdown();
  }

  /** The loop: hand bytes to the current mode until the chunk is used up or the connection must wait. */
  #consume(buf: Buffer, pos: number): number {
    while (pos < buf.length && !this.#conn.waiting) {
      switch (this.#mode) {
        case 'command':
        case 'auth': {
          const lines = this.#lines;
          pos = lines.read(buf, pos);
          if (lines.kind !== LineKind.None) this.#onLine(lines);
          break;
        }
        case 'data': {
          const end = this.#unstuffer.push(buf, pos);
          if (end === -1) pos = buf.length;
          else {
            pos = end;
            this.#mode = 'command';
            this.#complete();
          }
          break;
        }
        case 'bdat': {
          const take = Math.min(this.#bdat.remaining, buf.length - pos);
          if (this.#bdat.refusal === null) this.#tx?.body?.write(buf, pos, pos + take);
          this.#bdat.remaining -= take;
          pos += take;
          if (this.#bdat.remaining === 0) this.#endBdatChunk();
          break;
        }
        default:
          return buf.length; // closing, or pipelined after STARTTLS (RFC 3207): discarded
      }
    }
    const body = this.#tx?.body;
    if (body?.blocked) this.#conn.throttle((cb) => body.onDrain(cb));
    return pos;
  }

  #onLine(lines: LineReader): void {
    if (lines.kind !== LineKind.Line) {
      if (this.#mode === 'auth') this.#endAuth();
      this.#protocolError(lines.kind === LineKind.TooLong ? R.lineTooLong : R.bareLf);
      return;
    }
    if (this.#mode === 'auth') {
      const step = (this.#authNext as (line: string) => AuthProgress)(lines.text());
      this.#authStep(step);
      return;
    }
    this.#command(lines.line, lines.start, lines.end);
  }

  /**
   * One command line, line[start, end) without its CRLF. The verb is recognised from its bytes; the
   * argument (after the first space) is decoded only by the commands that read it.
   */
  #command(line: Buffer, start: number, end: number): void {
    const verb = verbOf(line, start, end);
    const argAt = start + (VERB_LENGTH[verb] ?? 0) + 1; // just past the space, when there is an argument
    const noArg = argAt >= end;
    switch (verb) {
      case Verb.Ehlo:
        return this.#hello('EHLO', argOf(line, argAt, end).trim());
      case Verb.Helo:
        return this.#hello('HELO', argOf(line, argAt, end).trim());
      case Verb.Mail: {
        // The usual MAIL straight from its bytes; anything else (and every refusal) takes txn.mail().
        const from = txn.mayMail(this.#tx, this.#helo, this.#conn.secure, this.#authUser, this.#cfg) ? simplePath(line, argAt, end, 'FROM') : undefined;
        if (from !== undefined) {
          this.#tx = txn.open(from, [], false);
          return this.#send(R.senderOk);
        }
        const facts = { helo: this.#helo, secure: this.#conn.secure, authUser: this.#authUser };
        const { outcome, tx } = txn.mail(argOf(line, argAt, end), this.#tx, facts, this.#cfg);
        if (tx) this.#tx = tx;
        return this.#answer(outcome);
      }
      case Verb.Rcpt: {
        const tx = this.#tx;
        const to = txn.mayRcpt(tx) ? simplePath(line, argAt, end, 'TO') : undefined;
        if (to !== undefined) return this.#answer(txn.addRecipient(tx as Transaction, to, this.#cfg));
        return this.#answer(txn.rcpt(argOf(line, argAt, end), tx, this.#cfg));
      }
      case Verb.Data:
        return this.#data(argOf(line, argAt, end));
      case Verb.Bdat:
        return this.#startBdat(argOf(line, argAt, end));
      case Verb.Rset:
        this.#resetTransaction();
        return this.#send(R.ok);
      case Verb.Noop:
        return this.#send(R.ok);
      case Verb.Quit:
        this.#send(R.bye);
        this.#hangUp();
        return;
      case Verb.Vrfy:
        return noArg ? this.#protocolError(R.syntax) : this.#send(R.vrfy);
      case Verb.Help:
        return this.#send(R.help);
      case Verb.Expn:
      case Verb.Turn:
      case Verb.Etrn:
        return this.#send(R.notImplemented);
      case Verb.Starttls:
        return this.#startTls(argOf(line, argAt, end));
      case Verb.Auth:
        return this.#auth(argOf(line, argAt, end));
      default:
        return this.#protocolError(R.unknownCommand);
    }
  }

  #hello(verb: string, domain: string): void {
    if (domain === '' || domain.includes(' ')) return this.#protocolError(R.syntaxHelo);
    this.#resetTransaction();
    this.#helo = domain;
    if (verb === 'HELO') return this.#send(`250 ${this.#cfg.hostname}\r\n`);
    const cfg = this.#cfg;
    this.#send(
      ehloReply(cfg.hostname, domain, {
        pipelining: cfg.pipelining,
        maxMessageBytes: cfg.maxMessageBytes,
        chunking: cfg.chunking,
        startTls: cfg.secureContext !== undefined && !this.#conn.secure,
        auth: cfg.auth !== undefined && (this.#conn.secure || !cfg.requireTls),
      }),
    );
  }

  #data(arg: string): void {
    const refusal = txn.dataRefusal(arg, this.#tx);
    if (refusal) return this.#answer(refusal);
    const tx = this.#tx as Transaction;
    tx.transport = 'DATA';
    tx.body = this.#newBody();
    this.#unstuffer.reset();
    this.#mode = 'data';
    this.#send(R.startData);
  }

  #startBdat(arg: string): void {
    if (!this.#cfg.chunking) return this.#send(R.notImplemented);
    const parsed = txn.parseBdat(arg);
    // Without a size we cannot know where the chunk ends; treat the rest as commands, as other servers do.
    if (!parsed) return this.#answer({ reply: R.syntaxBdat, protocolError: true });
    const refusal = txn.bdatRefusal(this.#tx);
    if (!refusal) {
      const tx = this.#tx as Transaction;
      tx.transport = 'BDAT';
      tx.body ??= this.#newBody();
    }
    // Refused or not, the client sends the bytes: read (and drop) exactly that many.
    this.#bdat = { remaining: parsed.size, size: parsed.size, last: parsed.last, refusal };
    this.#mode = 'bdat';
    if (parsed.size === 0) this.#endBdatChunk();
  }

  #endBdatChunk(): void {
    this.#mode = 'command';
    const { refusal, size, last } = this.#bdat;
    if (refusal) return this.#answer(refusal);
    const tx = this.#tx as Transaction;
    if (tx.body?.overflow) {
      this.#resetTransaction();
      return this.#answer({ reply: R.tooBig });
    }
    if (last) this.#complete();
    else this.#send(chunkReceived(size));
  }

  #newBody(): MessageBody {
    const cfg = this.#cfg;
    const kind = cfg.discard ? 'discard' : cfg.dir !== undefined ? 'file' : 'memory';
    return new MessageBody(kind, cfg.maxMessageBytes, cfg.dir, this.#host.nextId());
  }

  /** End of DATA or BDAT LAST: save, tell onMessage, answer. The transaction is over either way. */
  #complete(): void {
    const tx = this.#tx as Transaction;
    const body = tx.body as MessageBody;
    this.#tx = null;
    if (body.overflow) {
      this.#host.track(body.abort());
      return this.#answer({ reply: R.tooBig });
    }
    if (this.#cfg.onMessage === undefined && this.#cfg.discard) {
      // Discarded and nobody to tell: nothing to describe, only to count and answer.
      this.#host.stats.messages++;
      this.#host.stats.bytes += body.size;
      return this.#send(queuedReply(body.id));
    }
    const base: SunkMessage = {
      id: body.id,
      from: tx.from,
      to: tx.to,
      mailParams: tx.mailParams,
      size: body.size,
      secure: this.#conn.secure,
      helo: this.#helo,
      transport: tx.transport ?? 'DATA',
    };
    if (this.#authUser !== undefined) base.authUser = this.#authUser;
    let result: ReturnType<MessageBody['finish']>;
    try {
      result = body.finish();
    } catch {
      return this.#answer({ reply: R.localError });
    }
    if (!(result instanceof Promise)) return this.#accept(base, result.raw, result.path);
    // A large message still streaming to its file: the 250 waits for it, and so does later input.
    const work = result.then(
      (r) => this.#accept(base, undefined, r.path),
      () => {
        this.#host.track(body.abort());
        this.#answer({ reply: R.localError });
      },
    );
    this.#host.track(work);
    this.#conn.waitFor(work);
  }

  #accept(m: SunkMessage, raw: Buffer | undefined, path: string | undefined): void {
    if (raw) m.raw = raw;
    if (path !== undefined) m.path = path;
    try {
      this.#cfg.onMessage?.(m);
    } catch {
      // Refused after all, so it must not look delivered: no file either.
      if (path !== undefined) this.#host.track(MessageBody.removeSaved(path));
      return this.#answer({ reply: R.localError });
    }
    this.#host.stats.messages++;
    this.#host.stats.bytes += m.size;
    this.#send(queuedReply(m.id));
  }

  #startTls(arg: string): void {
    if (this.#cfg.secureContext === undefined) return this.#send(R.notImplemented);
    if (this.#conn.secure) return this.#protocolError(R.alreadyTls);
    if (arg !== '') return this.#protocolError(R.syntax);
    this.#send(R.startTls);
    // RFC 3207 4.2: forget everything learnt before the handshake.
    this.#resetTransaction();
    this.#helo = '';
    this.#authUser = undefined;
    this.#lines.reset();
    this.#mode = 'upgrading';
    this.#conn.startTls(() => {
      this.#mode = 'command';
    });
  }

  #auth(arg: string): void {
    const cfg = this.#cfg;
    if (!cfg.auth) return this.#send(R.notImplemented);
    if (this.#helo === '') return this.#protocolError(R.needHelo);
    if (cfg.requireTls && !this.#conn.secure) {
      this.#host.stats.rejected++;
      return this.#send(R.needTls);
    }
    if (this.#authUser !== undefined) return this.#protocolError(R.alreadyAuthed);
    if (this.#tx) return this.#protocolError(R.inTransaction);
    this.#authStep(startAuth(arg, cfg.auth));
  }

  #authStep(step: AuthProgress): void {
    this.#send(step.reply);
    if (step.next) {
      this.#authNext = step.next;
      this.#mode = 'auth';
      return;
    }
    this.#endAuth();
    if (step.user !== undefined) this.#authUser = step.user;
    else this.#host.stats.rejected++;
  }

  #endAuth(): void {
    this.#authNext = undefined;
    this.#mode = 'command';
  }

  /** Answer MAIL, RCPT, DATA, BDAT or a finished message; every 4xx/5xx counts in stats.rejected. */
  #answer(outcome: Outcome): void {
    if (outcome.reply.charCodeAt(0) >= 0x34) this.#host.stats.rejected++;
    if (outcome.protocolError) this.#protocolError(outcome.reply);
    else this.#send(outcome.reply);
  }

  #protocolError(reply: string): void {
    this.#send(reply);
    if (++this.#errors >= MAX_PROTOCOL_ERRORS) {
      this.#send(R.tooManyErrors);
      this.#hangUp();
    }
  }

  #resetTransaction(): void {
    const body = this.#tx?.body;
    if (body) this.#host.track(body.abort());
    this.#tx = null;
  }

  #send(reply: string | Buffer): void {
    this.#conn.send(reply);
  }

  #hangUp(): void {
    this.#mode = 'closed';
    this.#conn.end();
  }

  #closed(): void {
    this.#mode = 'closed';
    this.#resetTransaction();
    this.#host.closed(this);
  }
}

/** The argument of a command line (after the verb and one space), decoded; '' when there is none. */
function argOf(line: Buffer, argAt: number, end: number): string {
  return argAt < end ? line.toString('utf8', argAt, end) : '';
}
