/**
 * The socket side of one sink session: reading, batching replies, back-pressure, TLS, idle timeout and
 * hang-up. The SMTP side (session.ts) only sees `consume(buf, pos)` calls and answers through `send()`.
 *
 * Replies produced while one input chunk is consumed leave in ONE socket write (RFC 2920 pipelining, and
 * far fewer syscalls under `mailwire bench`). Input stops only for something asynchronous (a large message
 * file being finished, a full file stream or socket); what arrived meanwhile is processed in order later.
 */

import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { R, encodeReply } from './replies.js';

export interface ConnectionHandler {
  /** Consume buf[pos..]; may stop early only while `connection.waiting`. Returns where it stopped. */
  consume(buf: Buffer, pos: number): number;
  /** The socket is gone (called once). */
  closed(): void;
}

export interface ConnectionOptions {
  implicitTls: boolean;
  secureContext: SecureContext | undefined;
  idleTimeoutMs: number;
}

/**
 * The idle timeout is checked in quarters of it: a connection is closed after four checks in a row saw no
 * input (between 1 and 1.25 idle periods of silence). A socket's own setTimeout() would move a timer on
 * every read and every write, which is a measurable share of the sink's CPU per message.
 */
const IDLE_SLICES = 4;

// Reasons reading is paused; it resumes when none is left.
const WAIT_WORK = 1;
const WAIT_BODY_DRAIN = 2;
const WAIT_SOCKET_DRAIN = 4;

export class SinkConnection {
  /** True once TLS (implicit or STARTTLS) is established. */
  secure = false;
  readonly #raw: Socket;
  #socket: Socket;
  readonly #opts: ConnectionOptions;
  readonly #handler: ConnectionHandler;
  /** Replies queued while the current chunk is consumed; they leave in one write. */
  #out: Buffer[] = [];
  #outBytes = 0;
  #paused = 0;
  #held: Buffer | null = null;
  #handshaking = false;
  #upgradeReady: (() => void) | undefined;
  #ending = false;
  #gone = false;
  /** Input chunks seen since the last idle check, and checks in a row that saw none. */
  #reads = 0;
  #quietSlices = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(raw: Socket, opts: ConnectionOptions, handler: ConnectionHandler, greeting: string) {
    this.#raw = raw;
    this.#socket = raw;
    this.#opts = opts;
    this.#handler = handler;
    raw.setNoDelay(true);
    raw.on('error', () => {}); // 'close' follows; a client resetting the connection is not our error
    raw.once('close', this.#onClose);
    this.#armIdle();
    if (opts.implicitTls) {
      this.#wrapTls(() => this.#write(encodeReply(greeting)));
    } else {
      raw.on('data', this.#onData);
      this.#write(encodeReply(greeting));
    }
  }

  /** True while input must not be consumed (a message is being finished); consume() stops and returns. */
  get waiting(): boolean {
    return (this.#paused & WAIT_WORK) !== 0;
  }

  /** Queue a reply; it leaves with the others once the current input chunk is consumed. */
  send(reply: string | Buffer): void {
    const bytes = typeof reply === 'string' ? encodeReply(reply) : reply;
    this.#out.push(bytes);
    this.#outBytes += bytes.length;
  }

  /** Stop consuming until `work` settles; its own replies (sent from its callbacks) go out first. */
  waitFor(work: Promise<unknown>): void {
    this.#pause(WAIT_WORK);
    void work.finally(() => this.#resume(WAIT_WORK));
  }

  /** Stop reading the socket until a file stream drains (`onDrain` calls back once). */
  throttle(onDrain: (cb: () => void) => void): void {
    if ((this.#paused & WAIT_BODY_DRAIN) !== 0) return;
    this.#pause(WAIT_BODY_DRAIN);
    onDrain(() => this.#resume(WAIT_BODY_DRAIN));
  }

  /**
   * STARTTLS was answered 220: once the current chunk is done (the handler discards its rest, RFC 3207),
   * the 220 is written in plaintext and the socket is wrapped. `ready` runs after the handshake.
   */
  startTls(ready: () => void): void {
    this.#upgradeReady = ready;
  }

  /** Hang up after the replies of the current chunk (QUIT, too many errors). */
  end(): void {
    this.#ending = true;
  }

  /** Server shutdown: say so (when the client can read plaintext or has finished TLS) and hang up. */
  shutdown(): void {
    if (this.#gone) return;
    if (!this.#handshaking && this.#upgradeReady === undefined) this.send(R.shuttingDown);
    this.#close();
    // A client that ignores our FIN must not hold close() forever.
    setTimeout(() => {
      this.#socket.destroy();
      this.#raw.destroy();
    }, 2000).unref();
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#reads++;
    if (this.waiting) {
      // A paused socket can still deliver what it had already read.
      this.#held = this.#held ? Buffer.concat([this.#held, chunk]) : chunk;
      return;
    }
    this.#run(chunk);
  };

  #run(buf: Buffer): void {
    if (this.#ending) return;
    const pos = this.#handler.consume(buf, 0);
    if (pos < buf.length && this.waiting) this.#held = buf.subarray(pos);
    const ready = this.#upgradeReady;
    if (ready) {
      // Stop reading now; bytes that arrive before the wrap are the ClientHello and go to TLS.
      this.#raw.removeListener('data', this.#onData);
      this.#raw.pause();
      this.#paused = 0; // pauses belonged to the plaintext socket
      this.#handshaking = true;
      this.#write(this.#takeOut(), () => this.#wrapTls(ready));
      return;
    }
    this.#write(this.#takeOut());
    if (this.#ending) this.#close();
  }

  #wrapTls(ready: () => void): void {
    const raw = this.#raw;
    this.#upgradeReady = undefined;
    if (raw.destroyed) return;
    this.#handshaking = true;
    raw.removeListener('data', this.#onData);
    const tls = new TLSSocket(raw, { isServer: true, secureContext: this.#opts.secureContext });
    tls.on('error', () => tls.destroy());
    tls.once('close', this.#onClose);
    // The idle timer goes on across the wrap, so it also bounds the handshake.
    this.#quietSlices = 0;
    tls.once('secure', () => {
      this.#handshaking = false;
      this.secure = true;
      tls.on('data', this.#onData);
      ready();
    });
    this.#socket = tls;
  }

  /** The queued replies as one Buffer (usually just the one reply, uncopied); null when there are none. */
  #takeOut(): Buffer | null {
    const out = this.#out;
    if (out.length === 0) return null;
    const total = this.#outBytes;
    this.#outBytes = 0;
    if (out.length === 1) return out.pop() as Buffer;
    this.#out = [];
    return Buffer.concat(out, total);
  }

  #write(bytes: Buffer | null, done?: () => void): void {
    const socket = this.#socket;
    if (bytes === null || socket.destroyed || !socket.writable) {
      done?.();
      return;
    }
    if (!socket.write(bytes, done ? () => done() : undefined)) {
      this.#pause(WAIT_SOCKET_DRAIN);
      socket.once('drain', () => this.#resume(WAIT_SOCKET_DRAIN));
    }
  }

  #pause(reason: number): void {
    if (this.#paused === 0) this.#socket.pause();
    this.#paused |= reason;
  }

  #resume(reason: number): void {
    if ((this.#paused & reason) === 0) return;
    this.#paused &= ~reason;
    if (reason === WAIT_WORK) {
      // Send what the finished work answered, then carry on with input that arrived meanwhile.
      const held = this.#held;
      this.#held = null;
      if (held && !this.#gone) this.#run(held);
      else {
        this.#write(this.#takeOut());
        if (this.#ending) this.#close();
      }
    }
    if (this.#paused === 0 && !this.#gone && !this.#ending && !this.#handshaking) this.#socket.resume();
  }

  #armIdle(): void {
    const slice = Math.max(1, Math.ceil(this.#opts.idleTimeoutMs / IDLE_SLICES));
    this.#idleTimer = setTimeout(this.#checkIdle, slice);
    this.#idleTimer.unref(); // like a socket timeout: it does not keep the process alive
  }

  readonly #checkIdle = (): void => {
    if (this.#gone) return;
    if (this.#reads > 0) this.#quietSlices = 0;
    else this.#quietSlices++;
    this.#reads = 0;
    if (this.#quietSlices >= IDLE_SLICES) this.#onIdle();
    else this.#idleTimer?.refresh();
  };

  readonly #onIdle = (): void => {
    if (this.#gone) return;
    if (this.#handshaking) {
      this.#socket.destroy(); // a stalled TLS handshake: nobody to say goodbye to
      return;
    }
    this.send(R.idleTimeout);
    this.#close();
  };

  #close(): void {
    this.#ending = true;
    this.#write(this.#takeOut());
    this.#socket.end();
  }

  /** Runs for the raw socket and again for its TLS wrapper; only the first call counts. */
  readonly #onClose = (): void => {
    if (this.#gone) return;
    this.#gone = true;
    clearTimeout(this.#idleTimer);
    this.#held = null;
    this.#handler.closed();
  };
}
