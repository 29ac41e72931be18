/**
 * SmtpConnection: one SMTP session over one socket, read as the protocol reads.
 *
 *   await connect(); await ehlo(); if (policy wants TLS) await startTls(); await auth(); ...send()...; await quit();
 *
 * `state` exists for guards and pool health only; the flow itself is plain async/await. Replies are paired
 * with commands through the ReplyChannel FIFO, which is what makes pipelining a matter of writing N commands
 * and reading N replies.
 */
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { SmtpError, type SmtpPhase } from '../errors.js';
import * as cmd from '../protocol/commands.js';
import { parseCapabilities, heloCapabilities, type Capabilities } from '../protocol/capabilities.js';
import { isPositive, type Reply } from '../protocol/reply.js';
import { defaultConnector } from '../tls/connector.js';
import { upgradeToTls, describeTls, type TlsInfo } from '../tls/upgrade.js';
import { ReplyChannel } from './reply-channel.js';
import { Transcript } from './transcript.js';
import { outOfSequenceError, replyError, rephase } from './reply-errors.js';
import { isOutOfSequence, type Awaiting } from '../protocol/reply-sequence.js';
import { authenticate } from './auth-exchange.js';
import {
  DEFAULT_TIMEOUTS,
  SECURITY_MODES,
  defaultClientName,
  defaultPort,
  isLoopbackHost,
  validatePort,
  type AuthOptions,
  type ConnectionOptions,
  type Protocol,
  type Security,
  type Timeouts,
} from './options.js';
import { TransactionRunner, type Envelope, type MessageBody, type SendOptions, type SendResult } from './transaction.js';

/** Where a connection is in its life: opening, ready, busy, closed... */
export type ConnectionState = 'new' | 'connecting' | 'ready' | 'busy' | 'broken' | 'closed';

/** How long each phase of opening the session took (connect, TLS, greeting, EHLO, AUTH), in milliseconds. */
export interface SessionTimings {
  connectMs?: number;
  greetingMs?: number;
  tlsMs?: number;
  authMs?: number;
}

/**
 * What the pool, the transport and the benchmark read from a session beyond the protocol. It is kept off
 * the public class, so a conformance user sees verbs and state, not the pool's plumbing; it has the shape
 * the pool's PooledConnection asks for, so the pool drives a session through it. One object per session,
 * made the first time `sessionHooks()` asks for it (a session used on its own never makes it).
 */
export interface SessionHooks {
  /** True while the session can take a new transaction. */
  readonly usable: boolean;
  /** Transactions accepted by send() and not yet settled. */
  readonly inFlight: number;
  /** True when a failed transaction may have left the server mid-transaction (RSET before reuse). */
  readonly needsReset: boolean;
  readonly capabilities: Capabilities | undefined;
  /** Capabilities learned before STARTTLS; kept only to report them, never used after TLS. */
  readonly plaintextCapabilities: Capabilities | undefined;
  /** Lets an idle pooled socket stop keeping the process alive (and takes that back when busy). */
  setKeepAlive(active: boolean): void;
  send(envelope: Envelope, body: MessageBody, options?: SendOptions): Promise<SendResult>;
  noop(): Promise<Reply>;
  rset(): Promise<Reply>;
  quit(): Promise<void>;
  close(): void;
  /**
   * Gives the open socket (plain or TLS) away for the bench's message pump: the session's listeners and
   * timers removed, bytes already read after the last reply returned with it, and the session closed
   * without touching the socket (send/quit/close then do nothing to it). Throws when the session is not
   * open and idle.
   */
  detach(): DetachedSession;
}

/** What `detach()` hands over: the socket, the bytes read past the last reply, the session's capabilities. */
export interface DetachedSession {
  socket: Duplex;
  buffered: Buffer | undefined;
  capabilities: Capabilities;
}

let hooksOf: (conn: SmtpConnection) => SessionHooks;

/** The session's internal side (for the pool, the transport, the bench and tests); not exported by the package. */
export function sessionHooks(conn: SmtpConnection): SessionHooks {
  return hooksOf(conn);
}

/**
 * One SMTP session, step by step (greeting, EHLO, STARTTLS, AUTH, transactions), for conformance tests and tools that need the protocol itself. Most applications want `createTransport()`.
 *
 * @example
 * ```ts
 * const conn = await new SmtpConnection({ host: '127.0.0.1', port: 25, security: 'none' }).open();
 * await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, raw);
 * await conn.quit();
 * ```
 */
export class SmtpConnection {
  readonly host: string;
  readonly port: number;
  readonly security: Security;
  readonly clientName: string;
  readonly timeouts: Timeouts;
  readonly timings: SessionTimings = {};
  readonly protocol: Protocol;
  readonly #options: ConnectionOptions;
  readonly #transcript: Transcript;
  #channel: ReplyChannel | undefined;
  #state: ConnectionState = 'new';
  #secure = false;
  #tlsSocket: tls.TLSSocket | undefined;
  #greeting: Reply | undefined;
  #capabilities: Capabilities | undefined;
  #authenticatedAs: string | undefined;
  #authMethod: string | undefined;
  #remoteAddress: string | undefined;
  #transactions: TransactionRunner | undefined;
  /** Capabilities learned before STARTTLS; kept only to report them (probe), never used after TLS. */
  #plaintextCapabilities: Capabilities | undefined;
  #hooks: SessionHooks | undefined;

  static {
    hooksOf = (conn) =>
      (conn.#hooks ??= {
        get usable() {
          return conn.#usable;
        },
        get inFlight() {
          return conn.#transactions?.inFlight ?? 0;
        },
        get needsReset() {
          return conn.#transactions?.needsReset ?? false;
        },
        get capabilities() {
          return conn.#capabilities;
        },
        get plaintextCapabilities() {
          return conn.#plaintextCapabilities;
        },
        setKeepAlive: (active) => conn.#setKeepAlive(active),
        send: (envelope, body, options) => conn.send(envelope, body, options),
        noop: () => conn.noop(),
        rset: () => conn.rset(),
        quit: () => conn.quit(),
        close: () => conn.close(),
        detach: () => conn.#detach(),
      });
  }

  constructor(options: ConnectionOptions) {
    if (!options.host) throw new SmtpError('ECONFIG', 'host is required', { phase: 'config' });
    this.#options = options;
    this.host = options.host;
    this.protocol = options.protocol ?? 'smtp';
    if (this.protocol !== 'smtp' && this.protocol !== 'lmtp') {
      throw new SmtpError('ECONFIG', `Unknown protocol "${String(this.protocol)}": use smtp or lmtp`, { phase: 'config' });
    }
    if (options.socketPath !== undefined && (typeof options.socketPath !== 'string' || options.socketPath === '' || /[\x00\r\n]/.test(options.socketPath))) {
      throw new SmtpError('ECONFIG', 'socketPath must be a non-empty path without control characters', { phase: 'config' });
    }
    if (this.protocol === 'lmtp' && options.port === undefined && options.socketPath === undefined) {
      throw new SmtpError('ECONFIG', 'LMTP has no default port: set port or socketPath', { phase: 'config' });
    }
    // A Unix socket is local: TLS over it protects nothing, so it is off unless asked for.
    this.security = options.security ?? (options.socketPath !== undefined ? 'none' : 'starttls');
    if (!(SECURITY_MODES as readonly string[]).includes(this.security)) {
      throw new SmtpError('ECONFIG', `Unknown security mode "${String(this.security)}": use starttls, tls, opportunistic or none`, { phase: 'config' });
    }
    this.port = validatePort(options.port ?? defaultPort(this.security));
    this.clientName = options.clientName ?? defaultClientName();
    cmd.ehlo(this.clientName); // validates the name now, not at the first EHLO
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#transcript = new Transcript(options.onTranscript);
  }

  get state(): ConnectionState {
    return this.#channel?.broken && this.#state !== 'closed' ? 'broken' : this.#state;
  }
  get secure(): boolean {
    return this.#secure;
  }
  get greeting(): Reply | undefined {
    return this.#greeting;
  }
  get capabilities(): Capabilities | undefined {
    return this.#capabilities;
  }
  get authenticatedAs(): string | undefined {
    return this.#authenticatedAs;
  }
  get authMethod(): string | undefined {
    return this.#authMethod;
  }
  get tlsInfo(): TlsInfo | undefined {
    return this.#tlsSocket ? describeTls(this.#tlsSocket) : undefined;
  }
  get remoteAddress(): string | undefined {
    return this.#remoteAddress;
  }
  /** `state` is 'ready' or 'busy', read without going through `state` twice (the pool asks on every send). */
  get #usable(): boolean {
    const state = this.#state;
    return (state === 'ready' || state === 'busy') && !this.#channel?.broken;
  }

  /**
   * Opens the session as the security mode says: connect, greeting, EHLO, STARTTLS (required, opportunistic or
   * never), EHLO again, AUTH when credentials are configured.
   */
  async open(signal?: AbortSignal): Promise<this> {
    await this.connect(signal);
    await this.ehlo();
    if (this.security === 'starttls' || this.security === 'opportunistic') {
      const caps = this.#requireCapabilities();
      if (caps.starttls) {
        await this.startTls({ optional: this.security === 'opportunistic' });
      } else if (this.security === 'starttls') {
        const error = new SmtpError(
          'ETLS',
          'The server does not offer STARTTLS, and security "starttls" requires it (refusing to continue in plaintext)',
          { phase: 'starttls', transient: false },
        );
        this.#fail(error);
        throw error;
      } else {
        this.#transcript.info('STARTTLS not offered; continuing without TLS (opportunistic)');
      }
    }
    if (this.#options.auth) await this.auth(this.#options.auth);
    return this;
  }

  /** Opens the socket (TLS first for implicit TLS) and reads the greeting. */
  async connect(signal?: AbortSignal): Promise<Reply> {
    if (this.#state !== 'new') throw new SmtpError('ECLOSED', `connect() called in state ${this.#state}`, { phase: 'connect' });
    this.#state = 'connecting';
    const started = performance.now();
    const connector = this.#options.connector ?? defaultConnector;
    const implicitTls = this.security === 'tls';
    const where = this.#options.socketPath !== undefined ? `unix:${this.#options.socketPath}` : `${this.host}:${this.port}`;
    this.#transcript.info(`connecting to ${where}${implicitTls ? ' (implicit TLS)' : ''}${this.protocol === 'lmtp' ? ' (LMTP)' : ''}`);
    let socket;
    try {
      socket = await connector({
        host: this.host,
        port: this.port,
        implicitTls,
        tls: this.#options.tls ?? {},
        timeoutMs: this.timeouts.connectMs,
        ...(this.#options.socketPath !== undefined ? { socketPath: this.#options.socketPath } : {}),
        ...(this.#options.address !== undefined ? { address: this.#options.address } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      this.#state = 'closed';
      throw SmtpError.from(error, { code: 'ECONNECTION', phase: 'connect' });
    }
    this.timings.connectMs = performance.now() - started;
    this.#secure = socket.encrypted;
    this.#remoteAddress = socket.remoteAddress;
    if (socket.encrypted) this.#tlsSocket = socket.stream as tls.TLSSocket;
    this.#channel = new ReplyChannel(socket.stream, { onReply: (reply) => this.#transcript.server(reply) });
    this.#channel.expect(1);
    const greeting = await this.#read('greeting', this.timeouts.greetingMs);
    this.timings.greetingMs = performance.now() - started - this.timings.connectMs;
    this.#greeting = greeting;
    this.#inSequence(greeting, 'completion', 'greeting', 'the connection');
    if (greeting.code !== 220) {
      // 554 means "no service here"; 421 means "try later". Either way the session is over.
      const error = replyError(greeting, 'greeting', 'The server refused the connection', 'ECONNECTION');
      this.#channel.expectClose();
      this.#fail(error);
      throw error;
    }
    this.#state = 'ready';
    return greeting;
  }

  /** EHLO (LHLO for LMTP), falling back to HELO when an SMTP server does not know EHLO (500/502). */
  async ehlo(): Promise<Capabilities> {
    const lmtp = this.protocol === 'lmtp';
    const reply = await this.#exchange(lmtp ? cmd.lhlo(this.clientName) : cmd.ehlo(this.clientName), 'ehlo', this.timeouts.commandMs);
    this.#inSequence(reply, 'completion', 'ehlo', lmtp ? 'LHLO' : 'EHLO');
    if (isPositive(reply)) {
      this.#capabilities = parseCapabilities(reply);
      return this.#capabilities;
    }
    // LMTP has no HELO (RFC 2033 section 4.1): a refused LHLO ends it.
    if (lmtp) throw this.#negative(reply, 'ehlo', 'LHLO was refused', 'EPROTOCOL');
    if (reply.code === 500 || reply.code === 502 || reply.code === 504) {
      const helo = await this.#exchange(cmd.helo(this.clientName), 'ehlo', this.timeouts.commandMs);
      this.#inSequence(helo, 'completion', 'ehlo', 'HELO');
      if (isPositive(helo)) {
        this.#capabilities = heloCapabilities(helo);
        return this.#capabilities;
      }
      throw this.#negative(helo, 'ehlo', 'HELO was refused', 'EPROTOCOL');
    }
    throw this.#negative(reply, 'ehlo', 'EHLO was refused', 'EPROTOCOL');
  }

  /**
   * STARTTLS (RFC 3207). With `optional`, a 4xx/5xx answer leaves the session in plaintext (opportunistic);
   * otherwise it is ETLS. A handshake failure is always fatal: the socket is in an unknown state.
   */
  async startTls(options: { optional?: boolean } = {}): Promise<Capabilities> {
    const channel = this.#requireChannel();
    if (this.#secure) throw new SmtpError('EPROTOCOL', 'STARTTLS on a connection that is already encrypted', { phase: 'starttls' });
    const reply = await this.#exchange(cmd.startTls(), 'starttls', this.timeouts.commandMs);
    this.#inSequence(reply, 'completion', 'starttls', 'STARTTLS');
    if (isPositive(reply) && reply.code !== 220) {
      // STARTTLS has one positive answer (RFC 3207): any other 2xx is the server out of step, not a refusal.
      const error = outOfSequenceError(reply, 'starttls', 'STARTTLS');
      this.#fail(error);
      throw error;
    }
    if (reply.code !== 220) {
      if (options.optional) {
        this.#transcript.info(`STARTTLS refused (${reply.code}); continuing without TLS (opportunistic)`);
        return this.#requireCapabilities();
      }
      const error = replyError(reply, 'starttls', 'The server refused STARTTLS', 'ETLS');
      this.#fail(error);
      throw error;
    }
    // Anything that arrived with the 220 was sent before the handshake and is attacker-controllable
    // plaintext (response injection, CVE-2011-0411 style). It must never be read as a post-TLS reply.
    if (channel.broken || channel.hasBufferedInput) {
      const error = new SmtpError('EPROTOCOL', 'The server sent data after its STARTTLS 220 reply (possible response injection); closing', {
        phase: 'starttls',
        transient: false,
      });
      this.#fail(error);
      throw error;
    }
    const started = performance.now();
    const plain = channel.detach();
    let secureSocket: tls.TLSSocket;
    try {
      secureSocket = await upgradeToTls(plain, this.host, this.#options.tls ?? {}, this.timeouts.commandMs);
    } catch (error) {
      const failure = SmtpError.from(error, { code: 'ETLS', phase: 'starttls' });
      this.#fail(failure);
      throw failure;
    }
    this.timings.tlsMs = performance.now() - started;
    channel.reattach(secureSocket);
    this.#tlsSocket = secureSocket;
    this.#secure = true;
    this.#transcript.info(`TLS established: ${secureSocket.getProtocol() ?? '?'} ${secureSocket.getCipher()?.name ?? ''}`);
    // RFC 3207 section 4.2: forget everything learned before TLS, and ask again.
    this.#plaintextCapabilities = this.#capabilities;
    this.#capabilities = undefined;
    return this.ehlo();
  }

  /** AUTH with the configured (or given) credentials; the mechanism is chosen by sasl/select. */
  async auth(credentials: AuthOptions | undefined = this.#options.auth): Promise<string> {
    if (!credentials) throw new SmtpError('ECONFIG', 'auth() needs credentials', { phase: 'auth' });
    const channel = this.#requireChannel();
    const started = performance.now();
    try {
      const mechanism = await authenticate({
        channel,
        transcript: this.#transcript,
        capabilities: this.#requireCapabilities(),
        credentials,
        secure: this.#secure,
        loopback: this.#options.socketPath !== undefined || isLoopbackHost(this.host, this.#remoteAddress),
        allowInsecureAuth: this.#options.allowInsecureAuth ?? false,
        timeoutMs: this.timeouts.commandMs,
        server: { host: this.host, port: this.port },
      });
      this.#authenticatedAs = credentials.user;
      this.#authMethod = mechanism;
      this.timings.authMs = performance.now() - started;
      return mechanism;
    } catch (error) {
      throw this.#settle(error, 'auth');
    }
  }

  /**
   * Sends one message: MAIL, RCPT..., DATA or BDAT, pipelined when the server allows it. Several send() calls
   * may be in flight on one connection; the next transaction's commands follow the previous body without
   * waiting for its final reply when PIPELINING is offered.
   */
  send(envelope: Envelope, body: MessageBody, options: SendOptions = {}): Promise<SendResult> {
    this.#requireChannel();
    if (!this.#usable) return Promise.reject(this.#channel?.broken ?? new SmtpError('ECLOSED', 'Connection is not open', { phase: 'mail' }));
    if (options.requireTls === true) {
      const refusal = this.#requireTlsRefusal();
      if (refusal) return Promise.reject(refusal);
    }
    this.#transactions ??= new TransactionRunner({
      channel: this.#requireChannel(),
      transcript: this.#transcript,
      capabilities: () => this.#requireCapabilities(),
      timeouts: this.timeouts,
      // LMTP would answer BDAT LAST per recipient too (RFC 2033 section 4.3); that path is not built, so
      // LMTP always sends DATA.
      useChunking: this.protocol === 'lmtp' ? false : (this.#options.useChunking ?? true),
      lmtp: this.protocol === 'lmtp',
      usePipelining: this.#options.usePipelining ?? true,
      crossMessage: this.#options.crossMessagePipelining,
      onBusy: (busy) => {
        if (this.#state === 'ready' || this.#state === 'busy') this.#state = busy ? 'busy' : 'ready';
      },
    });
    const run = this.#transactions.run(envelope, body, options);
    // The DSN parameters are dropped when the server does not offer DSN (envelope-plan.ts): the caller asked
    // for notifications and will not get them, which belongs in the result, not only in the transcript.
    if (options.dsn && !this.#requireCapabilities().dsn) return run.then((result) => ({ ...result, warnings: [...(result.warnings ?? []), 'dsn-not-offered'] }));
    return run;
  }

  /**
   * RFC 8689 4.1: a REQUIRETLS message goes only over TLS with a verified certificate, to a server that
   * offers REQUIRETLS; anything else fails before MAIL, so the message is never sent without the promise.
   */
  #requireTlsRefusal(): SmtpError | undefined {
    const why = !this.#secure
      ? 'the connection is not encrypted'
      : this.#tlsSocket?.authorized !== true
        ? "the server's certificate is not verified (tls.rejectUnauthorized is off)"
        : !this.#requireCapabilities().requireTls
          ? 'the server does not offer REQUIRETLS'
          : undefined;
    if (why === undefined) return undefined;
    const hint = 'send through a server that offers REQUIRETLS over verified TLS (security "starttls" or "tls"), or drop requireTls';
    return new SmtpError('ETLS', `The message requires TLS (REQUIRETLS), but ${why}; nothing was sent`, { phase: 'mail', transient: false, hint });
  }

  #detach(): DetachedSession {
    const channel = this.#requireChannel();
    if (this.#state !== 'ready' || (this.#transactions?.inFlight ?? 0) > 0) {
      throw new SmtpError('ECLOSED', `detach() needs an open, idle session (state ${this.state})`, { phase: 'mail' });
    }
    const capabilities = this.#requireCapabilities();
    const { stream, buffered } = channel.handOver();
    this.#state = 'closed';
    return { socket: stream, buffered, capabilities };
  }

  #setKeepAlive(active: boolean): void {
    const stream = this.#channel?.stream as { ref?: () => void; unref?: () => void } | undefined;
    if (active) stream?.ref?.();
    else stream?.unref?.();
  }

  // ---- single commands (conformance users and the pool's health checks) ----

  /** Sends MAIL FROM and returns the reply (throws EENVELOPE when refused). */
  async mail(from: string, params?: cmd.MailParams): Promise<Reply> {
    return this.#expectPositive(cmd.mailFrom(from, params), 'mail', 'EENVELOPE', 'Sender refused');
  }
  /** Sends RCPT TO and returns the reply (throws EENVELOPE when refused). */
  async rcpt(to: string, params?: cmd.RcptParams): Promise<Reply> {
    return this.#expectPositive(cmd.rcptTo(to, params), 'rcpt', 'EENVELOPE', 'Recipient refused');
  }
  /** Sends RSET: abandons the current transaction. */
  async rset(): Promise<Reply> {
    const reply = await this.#expectPositive(cmd.rset(), 'mail', 'EPROTOCOL', 'RSET failed');
    this.#transactions?.resetDone();
    return reply;
  }
  /** Sends NOOP: checks that the session is alive. */
  async noop(): Promise<Reply> {
    return this.#expectPositive(cmd.noop(), 'mail', 'EPROTOCOL', 'NOOP failed');
  }
  /** Sends any single-line command and returns the reply as it is, positive or not. */
  async command(line: string, phase: SmtpPhase = 'mail'): Promise<Reply> {
    return this.#exchange(cmd.raw(line), phase, this.timeouts.commandMs);
  }

  /** Polite close: QUIT, wait briefly for 221, then close the socket. Never throws. */
  async quit(): Promise<void> {
    const channel = this.#channel;
    if (!channel || this.#state === 'closed') return;
    if (!channel.broken) {
      try {
        channel.expectClose();
        await this.#exchange(cmd.quit(), 'quit', Math.min(this.timeouts.commandMs, 5_000));
      } catch {
        // The server hanging up instead of answering QUIT is common and harmless.
      }
    }
    this.close();
  }

  /** Immediate close without QUIT. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#channel?.breakWith(new SmtpError('ECLOSED', 'Connection closed', { phase: 'quit', transient: false }));
  }

  // ---- internals ----

  async #expectPositive(line: string, phase: SmtpPhase, code: 'EENVELOPE' | 'EPROTOCOL', what: string): Promise<Reply> {
    const reply = await this.#exchange(line, phase, this.timeouts.commandMs);
    this.#inSequence(reply, 'completion', phase, redactedCommand(line).split(' ')[0] ?? 'the command');
    if (!isPositive(reply)) throw replyError(reply, phase, what, code, redactedCommand(line));
    return reply;
  }

  async #exchange(line: string, phase: SmtpPhase, timeoutMs: number): Promise<Reply> {
    const channel = this.#requireChannel();
    this.#transcript.client(line);
    try {
      return this.#unless421(await channel.command(line, phase, timeoutMs), phase);
    } catch (error) {
      throw this.#settle(error, phase);
    }
  }

  async #read(phase: SmtpPhase, timeoutMs: number): Promise<Reply> {
    try {
      return this.#unless421(await this.#requireChannel().read(phase, timeoutMs), phase);
    } catch (error) {
      throw this.#settle(error, phase);
    }
  }

  /** 421: the server is shutting this session down; it may reply 421 to any command (RFC 5321 3.8). */
  #unless421(reply: Reply, phase: SmtpPhase): Reply {
    if (reply.code !== 421) return reply;
    this.#channel?.expectClose();
    const error = replyError(reply, phase, 'The server is closing the connection', 'ECONNECTION');
    this.#fail(error);
    throw error;
  }

  /** A reply of a class the command cannot get: the server is out of step, the session is over (EPROTOCOL). */
  #inSequence(reply: Reply, awaiting: Awaiting, phase: SmtpPhase, what: string): void {
    if (!isOutOfSequence(reply, awaiting)) return;
    const error = outOfSequenceError(reply, phase, what);
    this.#fail(error);
    throw error;
  }

  #negative(reply: Reply, phase: SmtpPhase, what: string, code: 'EPROTOCOL'): SmtpError {
    return replyError(reply, phase, what, code);
  }

  /** Normalises a failure into an SmtpError stamped with the phase it happened in. */
  #settle(error: unknown, phase: SmtpPhase): SmtpError {
    const failure = SmtpError.from(error, { code: 'EPROTOCOL', phase });
    if (this.#channel?.broken) this.#state = this.#state === 'closed' ? 'closed' : 'broken';
    return rephase(failure, phase);
  }

  #fail(error: SmtpError): void {
    this.#channel?.breakWith(error);
    this.#state = 'broken';
  }

  #requireChannel(): ReplyChannel {
    if (!this.#channel) throw new SmtpError('ECLOSED', 'Not connected: call connect() or open() first', { phase: 'connect' });
    return this.#channel;
  }

  #requireCapabilities(): Capabilities {
    if (!this.#capabilities) throw new SmtpError('EPROTOCOL', 'EHLO has not been done on this connection', { phase: 'ehlo' });
    return this.#capabilities;
  }
}

function redactedCommand(line: string): string {
  return line.replace(/\r\n$/, '');
}
