/**
 * createTransport: config -> guards -> compose -> pool -> result.
 *
 * A send is validated and composed before any socket is touched. Transient failures that certainly did not
 * deliver (delivery 'none') are retried with exponential backoff and jitter, on a fresh connection, with the
 * same Message-ID; with several targets the next one is tried first (failover). A failure after the final
 * dot (delivery 'unknown') is never retried: a duplicate is worse than a question.
 */
import type { Readable } from 'node:stream';
import { SmtpError } from '../errors.js';
import { SmtpConnection } from '../connection/smtp-connection.js';
import type { DsnOptions, Envelope, MessageBody, RejectedRecipient, SendOptions } from '../connection/transaction.js';
import { formatReply } from '../protocol/reply.js';
import { ConnectionPool } from '../pool/pool.js';
import { Admission } from './admission.js';
import { poolKey } from './pool-key.js';
import { RateLimiter } from './rate-limiter.js';
import { checkDestination } from '../guards/destination.js';
import { messageBytesNow, prepareMessageNow, type ComposeOptions, type PreparedMessage } from '../mime/compose.js';
import type { MailMessage } from '../mime/message.js';
import { resolveConfig, type ResolvedConfig, type TransportConfig } from './config.js';
import { TransportEvents, type TransportEventMap } from './events.js';
import { BodyHandle } from './body.js';
import { assertSignal, untilAborted } from './signal.js';
import { backoff, isRetryable } from './retry-policy.js';
import type { SendCallOptions, SendInfo, VerifyReport } from './results.js';
import type { AuthOptions } from '../connection/options.js';
import { isTokenRejection } from '../connection/auth-exchange.js';
import { TokenSource } from './token-source.js';
import { openWithRenewal } from './token-renewal.js';

export type { SendCallOptions, SendInfo, VerifyReport } from './results.js';

interface Target {
  index: number;
  config: ResolvedConfig;
  pool: ConnectionPool;
  limiter: RateLimiter | undefined;
}

/** A send() waiting for its turn in the admission queue. */
interface QueuedSend {
  message: MailMessage;
  options: SendCallOptions;
  started: number;
  resolve: (info: SendInfo) => void;
  reject: (error: unknown) => void;
}

export class SmtpTransport extends TransportEvents {
  readonly #targets: Target[];
  #closed = false;
  #closing: Promise<void> | undefined;

  /** OAuth2 token sources by configuration: one per configuration, shared by all its connections. */
  readonly #tokens = new Map<ResolvedConfig, TokenSource>();
  /** Pools by server identity (host, port, security, user, secret fingerprint): equal identities share one. */
  readonly #pools = new Map<string, ConnectionPool>();
  /** Bounds how many messages are composed ahead of the pool (memory stays flat under a burst of sends). */
  readonly #admission: Admission<QueuedSend>;
  /** The same for every send, so built once (and frozen, which lets the composer cache its limits). */
  readonly #composeOptions: ComposeOptions;
  /** send()/sendRaw() calls not yet settled, queued ones included: close() waits for them. */
  #pending = 0;
  #onIdle: (() => void) | undefined;

  constructor(configs: TransportConfig | TransportConfig[]) {
    super();
    const list = Array.isArray(configs) ? configs : [configs];
    if (list.length === 0) throw new SmtpError('ECONFIG', 'createTransport needs at least one configuration', { phase: 'config' });
    this.#targets = list.map((input, index) => this.#makeTarget(resolveConfig(input), index));
    // Enough composed messages to fill every connection's pipeline and to refill it whole: when the replies
    // to all of a connection's pipelined transactions arrive together, a composed message waits for each
    // place, so they all leave in one flight. With one fewer, the last place waited for a message composed a
    // turn later (Admission.leave) and the pipeline fell out of step, costing a round trip per message on a
    // slow link. A bigger lead buys no speed, only garbage that survives collections (more peak memory at
    // the same speed; figures: bench/README.md). The largest pool
    // sets it, so a bigger fallback is not held to the primary's size while it carries the traffic.
    this.#admission = new Admission<QueuedSend>(
      Math.max(...this.#targets.map((t) => t.pool.maxInFlight)) * 2,
      (job) => void this.#composeAndDeliver(job.message, job.options, job.started).then(job.resolve, job.reject),
      (job, error) => this.#refuse(job, error),
    );
    const primary = this.#primary.config;
    this.#composeOptions = Object.freeze({
      ...(primary.from !== undefined ? { defaultFrom: primary.from } : {}),
      ...(primary.clientName !== undefined ? { hostname: primary.clientName } : {}),
      smtpUtf8: primary.smtpUtf8,
      limits: Object.freeze({ maxCustomHeaders: primary.guards.maxCustomHeaders, maxMessageBytes: primary.guards.maxMessageBytes }),
    });
  }

  /** The checked configurations, in failover order (secrets included: do not log this). */
  get configs(): readonly ResolvedConfig[] {
    return this.#targets.map((t) => t.config);
  }

  /** Composes and sends a message. Resolves once the server accepted it; see SendInfo. */
  send(message: MailMessage, options: SendCallOptions = {}): Promise<SendInfo> {
    options ??= {}; // null from JavaScript callers means "no options", as undefined does
    try {
      this.#assertOpen();
      assertSignal(options.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#pending += 1;
    const started = performance.now();
    // A send waiting for its turn is one promise and one small record, not a suspended async frame: a burst
    // of 10,000 sends would otherwise park 10,000 frames of a kilobyte or more in the old generation.
    return new Promise<SendInfo>((resolve, reject) => {
      this.#admission.enter({ message, options, started, resolve, reject }, options.signal);
    });
  }

  /** A send that never got its turn (aborted while queued). */
  #refuse(job: QueuedSend, error: unknown): void {
    this.#settled();
    this.emit('message:failed', { error: asError(error), durationMs: performance.now() - job.started });
    job.reject(error);
  }

  async #composeAndDeliver(message: MailMessage, options: SendCallOptions, started: number): Promise<SendInfo> {
    try {
      let prepared: PreparedMessage;
      let source: PreparedMessage | Buffer;
      try {
        // Awaited only when there is something to wait for (attachments): most messages are composed in the
        // same turn, without a promise per step.
        const now = prepareMessageNow(message, this.#composeOptions);
        prepared = now instanceof Promise ? await untilAborted(now, options.signal) : now;
        // Small messages go to the session as bytes: then MAIL, RCPT and BDAT LAST with the body leave in
        // one write on CHUNKING servers (a stream has to wait for the envelope replies first).
        source = prepared.size !== undefined && prepared.size <= IN_MEMORY_LIMIT ? (messageBytesNow(prepared) ?? (await prepared.toBuffer())) : prepared;
      } catch (error) {
        this.emit('message:failed', { error: asError(error), durationMs: performance.now() - started });
        throw error;
      }
      const dsn = message.dsn;
      const requireTls = message.requireTls === true || options.requireTls === true;
      // A UTF-8 address in the headers needs SMTPUTF8 even when the envelope is ASCII (RFC 6532).
      const smtpUtf8 = prepared.needsSmtpUtf8;
      const extra = dsn || requireTls || smtpUtf8;
      return await this.#deliver(prepared.envelope, source, prepared.messageId, extra ? { ...options, ...(dsn ? { dsn } : {}), requireTls, smtpUtf8 } : options, started);
    } finally {
      this.#admission.leave();
      this.#settled();
    }
  }

  /**
   * Sends a message that is already RFC 5322 bytes (benchmarks, relays). The envelope is used as given;
   * the bytes are sent as they are, with line endings normalised and dots stuffed.
   */
  async sendRaw(envelope: Envelope, raw: string | Uint8Array | Readable, options: SendCallOptions = {}): Promise<SendInfo> {
    options ??= {};
    this.#assertOpen();
    assertSignal(options.signal);
    this.#pending += 1;
    try {
      return await this.#deliver(envelope, raw, '', options, performance.now());
    } finally {
      this.#settled();
    }
  }

  /** Connects, negotiates TLS, authenticates and QUITs: proves the configuration without sending mail. */
  async verify(index = 0): Promise<VerifyReport> {
    const target = this.#targets[index];
    if (!target) throw new SmtpError('ECONFIG', `No configuration at index ${index}`, { phase: 'config' });
    const started = performance.now();
    const conn = await this.#openConnection(target.config);
    try {
      const tls = conn.tlsInfo;
      const report: VerifyReport = {
        host: conn.host,
        port: conn.port,
        security: conn.security,
        capabilities: { ...conn.capabilities?.keywords },
        greeting: conn.greeting ? formatReply(conn.greeting) : '',
        timings: { connectMs: round(conn.timings.connectMs ?? 0), totalMs: 0 },
      };
      if (tls) report.tls = { protocol: tls.protocol, cipher: tls.cipher, authorized: tls.authorized };
      if (conn.authMethod) report.authMethod = conn.authMethod;
      if (conn.timings.tlsMs !== undefined) report.timings.tlsMs = round(conn.timings.tlsMs);
      if (conn.timings.authMs !== undefined) report.timings.authMs = round(conn.timings.authMs);
      await conn.quit();
      report.timings.totalMs = round(performance.now() - started);
      return report;
    } finally {
      conn.close();
    }
  }

  /** Lets queued and running sends finish, then QUITs every pooled connection. Later sends fail (ECLOSED). */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      // Sends still waiting for their turn have not reached a pool yet: let them through first.
      while (this.#pending > 0) await new Promise<void>((resolve) => (this.#onIdle = resolve));
      await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    })();
    return this.#closing;
  }

  /** A send()/sendRaw() settled: close() may be waiting for the last one. */
  #settled(): void {
    this.#pending -= 1;
    if (this.#pending === 0) {
      const idle = this.#onIdle;
      this.#onIdle = undefined;
      idle?.();
    }
  }

  get #primary(): Target {
    return this.#targets[0] as Target;
  }

  async #deliver(
    envelope: Envelope,
    source: PreparedMessage | string | Uint8Array | Readable,
    messageId: string,
    options: SendCallOptions & { dsn?: DsnOptions; smtpUtf8?: boolean },
    started: number,
  ): Promise<SendInfo> {
    const retry = this.#primary.config.retry;
    let attempts = 0;
    let lastError: SmtpError | undefined;
    const body = new BodyHandle(source, this.#primary.config.guards.maxMessageBytes);
    try {
      for (let pass = 0; pass < retry.attempts; pass += 1) {
        if (pass > 0) await backoff(pass, retry, options.signal);
        for (const target of this.#targets) {
          if (attempts > 0 && !body.canReplay) throw lastError;
          // Announced only now that another attempt really follows, so a hook can count retries exactly.
          if (lastError) this.emit('retry', { attempt: attempts + 1, error: lastError, target: target.index });
          attempts += 1;
          try {
            if (target.limiter) await target.limiter.take();
            const sendOptions: SendOptions = {};
            if (options.signal) sendOptions.signal = options.signal;
            if (options.dsn) sendOptions.dsn = options.dsn;
            if (options.requireTls === true) sendOptions.requireTls = true;
            if (options.smtpUtf8 === true) sendOptions.smtpUtf8 = true;
            const result = await target.pool.send(envelope, body.next(), sendOptions, lastError?.code === 'ECONNECTION' || lastError?.code === 'ETIMEDOUT');
            const info: SendInfo = {
              messageId,
              envelope,
              accepted: result.accepted,
              rejected: result.rejected,
              response: result.response,
              attempts,
              via: { index: target.index, host: target.config.host, port: target.config.port },
              messageBytes: result.messageBytes,
              durationMs: round(performance.now() - started),
            };
            if (result.warnings && result.warnings.length > 0) info.warnings = result.warnings;
            this.emit('message:sent', { info, durationMs: info.durationMs });
            return info;
          } catch (error) {
            const failure = withHint(asError(error), target.config);
            lastError = failure;
            if (!isRetryable(failure)) throw failure;
          }
        }
      }
      throw lastError ?? new SmtpError('ECONNECTION', 'No attempt was made', { phase: 'connect' });
    } catch (error) {
      const failure = asError(error);
      this.emit('message:failed', { error: failure, durationMs: performance.now() - started, ...(messageId ? { messageId } : {}) });
      throw failure;
    }
  }

  #makeTarget(config: ResolvedConfig, index: number): Target {
    if (config.oauth2) this.#tokens.set(config, TokenSource.fromOAuth2(config.oauth2, config.timeouts.connectMs + config.timeouts.commandMs));
    // A static accessToken wins over getAccessToken in the mechanisms, as it always has: nothing to renew then.
    else if (typeof config.auth?.getAccessToken === 'function' && !config.auth.accessToken) this.#tokens.set(config, TokenSource.fromProvider(config.auth.getAccessToken));
    const key = transportKey(config);
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new ConnectionPool(
        (signal) => this.#openConnection(config, signal),
        config.pool,
        {
          onOpen: (id) => this.emit('connection:open', { target: index, id }),
          onClose: (id, reason) => this.emit('connection:close', { target: index, id, reason }),
        },
      );
      this.#pools.set(key, pool);
    }
    return { index, config, pool, limiter: config.rateLimit ? new RateLimiter(config.rateLimit) : undefined };
  }

  /** Opens a session; with an OAuth2 token source, a refused token is renewed once (token-renewal.ts). */
  async #openConnection(config: ResolvedConfig, signal?: AbortSignal): Promise<SmtpConnection> {
    const tokens = this.#tokens.get(config);
    if (!tokens || !config.auth) return this.#openOnce(config, config.auth, signal);
    try {
      return await openWithRenewal(tokens, config.auth, (auth) => this.#openOnce(config, auth, signal), config.onTranscript);
    } catch (error) {
      throw withHint(asError(error), config);
    }
  }

  async #openOnce(config: ResolvedConfig, auth: AuthOptions | undefined, signal?: AbortSignal): Promise<SmtpConnection> {
    // A Unix socket is no network destination: the guards (port 25, public addresses) do not apply to it.
    const pinned = config.socketPath === undefined ? await checkDestination(config.host, config.port, config.guards, config.resolver) : undefined;
    const conn = new SmtpConnection({
      host: config.host,
      port: config.port,
      security: config.security,
      protocol: config.protocol,
      ...(config.socketPath !== undefined ? { socketPath: config.socketPath } : {}),
      tls: config.tls,
      timeouts: config.timeouts,
      allowInsecureAuth: config.allowInsecureAuth,
      ...(pinned ? { address: pinned.address } : {}),
      ...(config.clientName !== undefined ? { clientName: config.clientName } : {}),
      ...(auth ? { auth } : {}),
      ...(config.connector ? { connector: config.connector } : {}),
      ...(config.onTranscript ? { onTranscript: config.onTranscript } : {}),
    });
    try {
      await conn.open(signal);
      return conn;
    } catch (error) {
      conn.close();
      // A token refusal goes back as it is: #openConnection recognises it (and adds the hint) itself.
      throw isTokenRejection(error) ? error : withHint(asError(error), config);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new SmtpError('ECLOSED', 'The transport is closed: create a new one to send more', { phase: 'connect', transient: false });
  }
}

/** The pool key of a configuration: useful to callers who keep several transports. */
export function transportKey(config: ResolvedConfig): string {
  const oauth = config.oauth2;
  const secret = config.auth?.pass ?? config.auth?.accessToken ?? (oauth ? `${oauth.tokenUrl.href}\0${oauth.clientId}\0${oauth.refreshToken}` : undefined);
  return poolKey({
    host: config.socketPath !== undefined ? `unix:${config.socketPath}` : config.host,
    port: config.port,
    security: config.protocol === 'lmtp' ? `lmtp+${config.security}` : config.security,
    user: config.auth?.user,
    secret,
    ...(config.proxyName !== undefined ? { via: config.proxyName, viaSecret: config.proxySecret } : {}),
  });
}

export function createTransport(config: TransportConfig | TransportConfig[]): SmtpTransport {
  return new SmtpTransport(config);
}

export type { TransportEventMap };

/** Same bound as the session's one-flight BDAT: above it, the message streams. */
const IN_MEMORY_LIMIT = 1024 * 1024;

function withHint(error: SmtpError, config: ResolvedConfig): SmtpError {
  // An error that already carries its own hint (a refused OAuth2 token) keeps it: the preset's is about passwords.
  if (error.code !== 'EAUTH' || !config.authHint || error.hint !== undefined || error.message.includes(config.authHint)) return error;
  return error.with({ message: `${error.message} (hint: ${config.authHint})`, hint: config.authHint });
}

function asError(error: unknown): SmtpError {
  return SmtpError.from(error, { code: 'EPROTOCOL', phase: 'connect' });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
