/**
 * The audit's own minimal SMTP session: a socket, the protocol's reply parser, and a transcript.
 *
 * Why not SmtpConnection: the audit has to put on the wire what a correct client never sends (bare CR or
 * LF around a dot, commands in the same packet as STARTTLS). SmtpConnection refuses those, rightly, and it
 * must stay that way; so the audit writes bytes itself here and never weakens the client's guards.
 * Everything the session writes or reads is recorded as transcript lines ("C: ...", "S: ..."), with bare
 * CR, LF and NUL shown as <CR>, <LF>, <NUL> so the evidence says exactly what crossed the wire.
 */
import net from 'node:net';
import tls from 'node:tls';
import { SmtpError } from '../errors.js';
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import { ReplyParser } from '../protocol/reply-parser.js';
import { formatReply, type Reply } from '../protocol/reply.js';
import { parseCapabilities, type Capabilities } from '../protocol/capabilities.js';
import { buildTlsOptions, type TlsSettings } from '../tls/policy.js';
import { describeTls, type TlsInfo } from '../tls/upgrade.js';

/** How the audit connects: the same modes as the transport's `security`. */
export type AuditSecurity = 'starttls' | 'tls' | 'none';

export interface RawSessionOptions {
  host: string;
  port: number;
  /** 'tls' handshakes on connect; the others start in plaintext (STARTTLS is the caller's move). */
  implicitTls: boolean;
  tls: TlsSettings;
  /** Longest wait for any one reply, the connect and a handshake. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A transcript line for bytes the audit wrote: line ends that are CRLF split lines, lone ones are shown. */
export function showWritten(bytes: string): string[] {
  const lines = bytes.split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => `C: ${visible(l)}`);
}

export function visible(text: string): string {
  return text.replace(/\r/g, '<CR>').replace(/\n/g, '<LF>').replace(/\0/g, '<NUL>');
}

export function showReply(reply: Reply): string[] {
  return formatReply(reply).split('\n').map((l) => `S: ${l}`);
}

const MAX_SETTLE = 32;
/** Transcript lines kept per session: evidence, not a log of whatever a hostile server sends. */
const MAX_TRANSCRIPT = 400;

export class RawSession {
  readonly transcript: string[];
  greeting!: Reply;
  tlsInfo: TlsInfo | undefined;
  #socket: net.Socket;
  #parser = new ReplyParser();
  #replies: Reply[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #failure: Error | undefined;
  readonly #options: RawSessionOptions;

  private constructor(socket: net.Socket, options: RawSessionOptions, transcript: string[]) {
    this.#socket = socket;
    this.#options = options;
    this.transcript = transcript;
    this.#listen(socket);
    // The audit's overall deadline ends every wait at once. Through the shared listener: with
    // maxConnections above 10, a listener per session made Node warn about the audit's signal.
    this.#abort = options.signal ? subscribeAbort(options.signal, this.#onAbort) : undefined;
  }

  /** Connects (with the TLS handshake when implicitTls) and reads the greeting. */
  static async open(options: RawSessionOptions, transcript: string[] = []): Promise<RawSession> {
    const socket = await connect(options);
    const session = new RawSession(socket, options, transcript);
    if (socket instanceof tls.TLSSocket) session.tlsInfo = describeTls(socket);
    const greeting = await session.next();
    if (greeting === undefined) {
      session.close();
      throw new SmtpError('ECONNECTION', `${options.host}:${options.port} sent no greeting`, { phase: 'greeting', transient: true });
    }
    session.greeting = greeting;
    return session;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Replies that arrived and were not read yet. */
  get unread(): number {
    return this.#replies.length;
  }

  /** Writes bytes as they are (bare CR/LF included) and records them. */
  write(bytes: string): void {
    if (this.#closed) return;
    this.transcript.push(...showWritten(bytes));
    this.#socket.write(Buffer.from(bytes, 'latin1'));
  }

  /** Writes a line that carries a secret: the transcript shows `shown` instead. */
  async secret(line: string, shown: string): Promise<Reply | undefined> {
    if (this.#closed) return undefined;
    this.transcript.push(`C: ${shown}`);
    this.#socket.write(Buffer.from(`${line}\r\n`, 'latin1'));
    return this.next();
  }

  /** Writes one command line and waits for its reply (undefined: closed or no answer in time). */
  async command(line: string): Promise<Reply | undefined> {
    this.write(`${line}\r\n`);
    return this.next();
  }

  /** The next reply; undefined when the connection closed first or none came within timeoutMs. */
  async next(timeoutMs = this.#options.timeoutMs): Promise<Reply | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.#replies.shift();
      if (reply !== undefined) return reply;
      if (this.#closed || this.#options.signal?.aborted) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /**
   * Every reply that arrives until none has come for quietMs (or the connection closed). At most
   * MAX_SETTLE replies: a server that never stops talking does not keep the audit here.
   */
  async settle(quietMs: number): Promise<Reply[]> {
    const out: Reply[] = [];
    while (out.length < MAX_SETTLE) {
      const reply = await this.next(quietMs);
      if (reply === undefined) return out;
      out.push(reply);
    }
    return out;
  }

  async ehlo(name: string): Promise<{ reply: Reply | undefined; capabilities: Capabilities | undefined }> {
    const reply = await this.command(`EHLO ${name}`);
    return { reply, capabilities: reply !== undefined && reply.code === 250 ? parseCapabilities(reply) : undefined };
  }

  /**
   * The TLS handshake on the current connection (the caller sent STARTTLS and read its 220). Replies
   * parsed so far stay unread; whatever arrives afterwards arrived over TLS.
   */
  async upgrade(): Promise<void> {
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('end');
    let secure: tls.TLSSocket;
    try {
      secure = await handshake({ ...this.#options }, plain);
    } catch (error) {
      // The plaintext session is gone with the failed handshake: nothing more can be read or written.
      this.transcript.push(`-- ${(error as Error).message.split('\n')[0]}`);
      this.close();
      throw error;
    }
    this.#socket = secure;
    this.#parser = new ReplyParser();
    this.tlsInfo = describeTls(secure);
    this.transcript.push(`-- TLS established: ${this.tlsInfo.protocol} ${this.tlsInfo.cipher}`);
    this.#listen(secure);
  }

  /** QUIT, then a short wait for the server to close its side, so its slot is really free after. */
  async quit(): Promise<void> {
    if (!this.#closed) {
      const bye = await this.command('QUIT');
      if (bye !== undefined) await this.next(Math.min(1000, this.#options.timeoutMs));
    }
    this.close();
  }

  readonly #onAbort = (): void => this.#wake?.();
  readonly #abort: AbortSubscription | undefined;

  close(): void {
    this.#abort?.unsubscribe();
    this.#closed = true;
    this.#socket.destroy();
    this.#wake?.();
  }

  /** Why the connection ended, when it ended with an error. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  #listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const reply of this.#parser.push(chunk)) {
          if (this.transcript.length < MAX_TRANSCRIPT) this.transcript.push(...showReply(reply));
          else if (this.transcript.length === MAX_TRANSCRIPT) this.transcript.push('-- transcript cut here');
          this.#replies.push(reply);
          if (this.#replies.length > MAX_SETTLE * 4) throw new Error('the server sent far more replies than commands');
        }
        const late = this.#parser.takeFailure();
        if (late) throw late;
      } catch (error) {
        this.transcript.push(`-- unreadable reply: ${(error as Error).message}`);
        this.#failure = error as Error;
        this.close();
      }
      this.#wake?.();
    });
    const ended = (): void => {
      if (!this.#closed) this.transcript.push('-- connection closed by the server');
      this.#closed = true;
      this.#wake?.();
    };
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('error', (error) => {
      this.#failure = error;
      ended();
    });
  }
}

function connect(options: RawSessionOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.host, port: options.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError('ETIMEDOUT', `could not connect to ${options.host}:${options.port} within ${options.timeoutMs} ms`, { phase: 'connect', transient: true }));
    }, options.timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new SmtpError('ECONNECTION', `could not connect to ${options.host}:${options.port}: ${error.message}`, { phase: 'connect', transient: true }));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      if (!options.implicitTls) resolve(socket);
      else handshake(options, socket).then(resolve, reject);
    });
  });
}

/** A handshake that never enforces the certificate: the audit reports on it (see certificate.ts). */
export function handshake(options: Pick<RawSessionOptions, 'host' | 'tls' | 'timeoutMs'>, socket: net.Socket): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...buildTlsOptions(options.host, { rejectUnauthorized: false, ...options.tls }), socket });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new SmtpError('ETIMEDOUT', `TLS handshake timed out after ${options.timeoutMs} ms`, { phase: 'starttls', transient: true }));
    }, options.timeoutMs);
    secure.once('error', (error) => {
      clearTimeout(timer);
      secure.destroy();
      reject(new SmtpError('ETLS', `TLS handshake failed: ${error.message}`, { phase: 'starttls', transient: false }));
    });
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.removeAllListeners('error');
      resolve(secure);
    });
  });
}
