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
import type { AbortSubscription } from '../abort/fanout.js';
import { SmtpConnection, sessionHooks } from '../connection/smtp-connection.js';
import type { DsnOptions, Envelope, MessageBody, RejectedRecipient, SendOptions } from '../connection/transaction.js';
import { ConnectionPool, type PoolSendResult } from '../pool/pool.js';
import { Admission, type AdmissionJob } from './admission.js';
import { poolKey } from './pool-key.js';
import { RateLimiter } from './rate-limiter.js';
import { PipeliningMemory } from './pipelining-memory.js';
import { checkRawBody, checkRawEnvelope, type RawBody } from './raw-input.js';
import { checkDestination } from '../guards/destination.js';
import { messageBytesNow, prepareMessage, prepareMessageNow, type ComposeOptions, type PreparedMessage } from '../mime/compose.js';
import type { MailMessage } from '../mime/message.js';
import { lazyHttpsFetcher } from '../mime/lazy-fetch.js';
import { resolveConfig, type ResolvedConfig, type TransportConfig } from './config.js';
import { TransportEvents, type TransportEventMap } from './events.js';
import { BodyHandle } from './body.js';
import type { DkimSigner } from '../dkim/options.js';
import { assertSignal, untilAborted } from './signal.js';
import { backoff, failsOver, isRetryable, shortestBackoffMs } from './retry-policy.js';
import { Reachability } from './reachability.js';
import { connectionHint, failureHint, withHint, withPresetHint } from './hints.js';
import type { SendCallOptions, SendInfo, VerifyOptions, VerifyReport } from './results.js';
import { sendTestMessage, sessionReport, showsAuthRequired, verifyMessage } from './verify-message.js';
import type { AuthOptions } from '../connection/options.js';
import { isTokenRejection } from '../connection/auth-exchange.js';
import type { TokenSource } from './token-source.js';

export type { SendCallOptions, SendInfo, VerifyOptions, VerifyReport, VerifyTestMessage } from './results.js';

interface Target {
  index: number;
  config: ResolvedConfig;
  pool: ConnectionPool;
  /** What the sends to this target's server learnt about reaching it (shared by targets sharing the pool). */
  reach: Reachability;
  limiter: RateLimiter | undefined;
}

/**
 * A send() or sendRaw() waiting for its turn in the admission queue: one record, the queue threaded through
 * it (admission.ts). The message is composed only once the send is let in.
 */
class QueuedSend implements AdmissionJob {
  queuePrev: AdmissionJob | undefined = undefined;
  queueNext: AdmissionJob | undefined = undefined;
  queueAbort: AbortSubscription | undefined = undefined;
  constructor(
    /** send()'s message, or sendRaw()'s checked envelope. */
    readonly message: MailMessage | Envelope,
    /** sendRaw()'s checked body; undefined for send(). */
    readonly body: RawBody | undefined,
    readonly options: SendCallOptions,
    readonly started: number,
    readonly resolve: (info: SendInfo) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/** send()'s options when the caller gave none: one object for every such send, never written to. */
const NO_OPTIONS: SendCallOptions = Object.freeze({});

/**
 * Sends messages over pooled connections with retries and failover: `send`, `sendRaw`, `verify`, `close`, and events (`on`). Made by `createTransport()`.
 *
 * @example
 * ```ts
 * const transport = createTransport({ provider: 'sendgrid', auth: { user: 'apikey', pass: key } });
 * transport.on('message:sent', ({ info }) => log(info.messageId));
 * ```
 */
export class SmtpTransport extends TransportEvents {
  readonly #targets: Target[];
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * OAuth2 token sources by configuration: one per configuration, shared by all its connections. Made by the
   * first connection (their code, with its https client, is loaded only by a transport that renews tokens).
   */
  readonly #tokens = new Map<ResolvedConfig, Promise<TokenSource> | undefined>();
  /** Pools by server identity (host, port, security, user, secret fingerprint): equal identities share one. */
  readonly #pools = new Map<string, { pool: ConnectionPool; reach: Reachability }>();
  /** How long a queued send must have waited before other sends' failed connections answer for it. */
  readonly #answeredAfterMs: number;
  /** Bounds how many messages are composed ahead of the pool (memory stays flat under a burst of sends). */
  readonly #admission: Admission<QueuedSend>;
  /** The same for every send, so built once (and frozen, which lets the composer cache its limits). */
  readonly #composeOptions: ComposeOptions;
  /** The primary configuration's DKIM signers (like the compose options, one set for every target). */
  readonly #dkim: DkimSigner[] | undefined;
  /** send()/sendRaw() calls not yet settled, queued ones included: close() waits for them. */
  #pending = 0;
  /** Servers that refused messages pipelined behind another's end (shared by their connections). */
  readonly #pipelining = new PipeliningMemory();
  #onIdle: (() => void) | undefined;
  /** Per configuration without credentials: did the server offer AUTH (then a 530/5.7.x means "log in")? */
  readonly #offersAuth = new WeakMap<ResolvedConfig, boolean>();

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
      (job) => this.#start(job),
      (job, error) => this.#refuse(job, error),
    );
    const primary = this.#primary.config;
    this.#composeOptions = Object.freeze({
      ...(primary.from !== undefined ? { defaultFrom: primary.from } : {}),
      ...(primary.clientName !== undefined ? { hostname: primary.clientName } : {}),
      smtpUtf8: primary.smtpUtf8,
      // Attachments by path / href are refused before anything is opened or fetched when the platform says
      // so; href fetches resolve through the transport's resolver (so an injected or policy resolver and
      // the public-address rule apply to them as to the SMTP destination).
      ...(primary.guards.fileAccess ? {} : { disableFileAccess: true }),
      ...(primary.guards.urlAccess ? {} : { disableUrlAccess: true }),
      fetcher: lazyHttpsFetcher(primary.resolver ? { resolver: primary.resolver } : {}),
      limits: Object.freeze({
        maxCustomHeaders: primary.guards.maxCustomHeaders,
        maxMessageBytes: primary.guards.maxMessageBytes,
        maxBodyBytes: primary.guards.maxBodyBytes,
      }),
    });
    this.#dkim = primary.dkim;
    this.#answeredAfterMs = shortestBackoffMs(primary.retry);
  }

  /** The checked configurations, in failover order (secrets included: do not log this). */
  get configs(): readonly ResolvedConfig[] {
    return this.#targets.map((t) => t.config);
  }

  /**
   * Composes and sends a message. Resolves once the server accepted it; see SendInfo. Fails with an
   * SmtpError (EENVELOPE when every recipient was refused; some refused: `info.rejected`).
   *
   * @example
   * ```ts
   * const info = await transport.send({ from: 'me@example.com', to: ['a@example.com', 'b@example.com'], subject: 'Report', text: 'Attached.', attachments: [{ path: './report.pdf' }] });
   * console.log(info.messageId, info.accepted, info.rejected);
   * ```
   */
  send(message: MailMessage, options: SendCallOptions = NO_OPTIONS): Promise<SendInfo> {
    options ??= NO_OPTIONS; // null from JavaScript callers means "no options", as undefined does
    try {
      this.#assertOpen();
      assertSignal(options.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#admit(message, undefined, options);
  }

  /**
   * A checked send() or sendRaw() joins the admission queue. A send waiting for its turn is one promise and
   * one small record, not a suspended async frame: a burst of 10,000 sends would otherwise park 10,000
   * frames of the whole send chain (a kilobyte or more each) in the old generation.
   */
  #admit(message: MailMessage | Envelope, body: RawBody | undefined, options: SendCallOptions): Promise<SendInfo> {
    this.#pending += 1;
    const started = performance.now();
    return new Promise<SendInfo>((resolve, reject) => {
      this.#admission.enter(new QueuedSend(message, body, options, started, resolve, reject), options.signal);
    });
  }

  /** A queued send got its turn. */
  #start(job: QueuedSend): void {
    const { body } = job;
    const running = body === undefined ? this.#composeAndDeliver(job.message as MailMessage, job.options, job.started) : this.#deliver(job.message as Envelope, body, '', job.options, job.started, true);
    void running.then(job.resolve, job.reject);
  }

  /** A send that never got its turn (aborted while queued). */
  #refuse(job: QueuedSend, error: unknown): void {
    this.#settled();
    this.emit('message:failed', { error: asError(error), durationMs: performance.now() - job.started });
    job.reject(error);
  }

  /**
   * A queued send's turn: compose, then deliver. A message composed in this turn and small enough to go as
   * bytes (no attachment to read, no DKIM) goes straight to #deliver, which also ends the turn (`queued`):
   * no async frame of its own in between, whose promise, frame and await each message would otherwise pay.
   */
  #composeAndDeliver(message: MailMessage, options: SendCallOptions, started: number): Promise<SendInfo> {
    let now: PreparedMessage | Promise<PreparedMessage>;
    let bytes: Buffer | undefined;
    let sendOptions: DeliveryOptions | undefined;
    try {
      now = prepareMessageNow(message, this.#composeOptions);
      if (!(now instanceof Promise) && !this.#dkim && now.size !== undefined && now.size <= IN_MEMORY_LIMIT) bytes = messageBytesNow(now);
      // Read here, inside the try: a caller's message whose getter throws must still end its turn.
      if (bytes !== undefined && !(now instanceof Promise)) sendOptions = deliveryOptions(message, options, now);
    } catch (error) {
      this.emit('message:failed', { error: asError(error), durationMs: performance.now() - started });
      this.#endTurn();
      return Promise.reject(error);
    }
    if (bytes === undefined || sendOptions === undefined || now instanceof Promise) return this.#composeAndDeliverSlow(now, message, options, started);
    return this.#deliver(now.envelope, bytes, now.messageId, sendOptions, started, true);
  }

  /** #composeAndDeliver for attachments, DKIM and large messages (streamed). */
  async #composeAndDeliverSlow(now: PreparedMessage | Promise<PreparedMessage>, message: MailMessage, options: SendCallOptions, started: number): Promise<SendInfo> {
    let dispose: (() => Promise<void>) | undefined; // the DKIM spool file, if signing needed one
    try {
      let prepared: PreparedMessage;
      let source: PreparedMessage | Buffer;
      try {
        prepared = now instanceof Promise ? await untilAborted(now, options.signal) : now;
        // Signed once, here, so every attempt sends the same signed bytes.
        if (this.#dkim) ({ message: prepared, dispose } = await (await dkimSigning()).signPrepared(prepared, this.#dkim, options.signal));
        // Small messages go to the session as bytes: then MAIL, RCPT and BDAT LAST with the body leave in
        // one write on CHUNKING servers (a stream has to wait for the envelope replies first).
        source = prepared.size !== undefined && prepared.size <= IN_MEMORY_LIMIT ? (messageBytesNow(prepared) ?? (await prepared.toBuffer())) : prepared;
      } catch (error) {
        this.emit('message:failed', { error: asError(error), durationMs: performance.now() - started });
        throw error;
      }
      return await this.#deliver(prepared.envelope, source, prepared.messageId, deliveryOptions(message, options, prepared), started, false);
    } finally {
      if (dispose) await dispose().catch(() => undefined); // before the send settles: no file outlives it
      this.#endTurn();
    }
  }

  /**
   * Sends a message that is already RFC 5322 bytes (benchmarks, relays). The envelope is used as given;
   * the bytes are sent as they are, with line endings normalised and dots stuffed.
   */
  sendRaw(envelope: Envelope, raw: string | Uint8Array | Readable, options: SendCallOptions = NO_OPTIONS): Promise<SendInfo> {
    options ??= NO_OPTIONS;
    let checked: Envelope;
    let body: RawBody;
    try {
      this.#assertOpen();
      assertSignal(options.signal);
      // Before any connection: a caller's mistake is EGUARD naming the field, never a server error later.
      checked = checkRawEnvelope(envelope, this.#primary.config.smtpUtf8);
      body = checkRawBody(raw);
    } catch (error) {
      return Promise.reject(error);
    }
    // Through the same admission queue as send().
    return this.#admit(checked, body, options);
  }

  /**
   * Connects, negotiates TLS, authenticates and QUITs: proves the configuration without sending mail. With
   * `to`, also sends a short test message on that session and reports it (`testMessage`, `ok`, and
   * `authRequired` when the server wants credentials that were not given): a configuration screen's Test
   * button. Failures to connect, secure or authenticate reject; a refused test message is reported.
   *
   * @example
   * const report = await transport.verify({ to: 'me@example.com' });
   * if (!report.ok) console.log(report.authRequired ? 'log in first' : report.testMessage?.error?.hint);
   */
  async verify(options: number | VerifyOptions = {}): Promise<VerifyReport> {
    const { index = 0, to, from } = typeof options === 'number' ? { index: options } : (options ?? {});
    const target = this.#targets[index];
    if (!target) throw new SmtpError('ECONFIG', `No configuration at index ${index}`, { phase: 'config' });
    const config = target.config;
    // Composed first: a bad address or a missing sender is ECONFIG/EGUARD before any connection.
    const sender = from ?? config.from;
    if (to !== undefined && sender === undefined) {
      throw new SmtpError('ECONFIG', 'verify({ to }) needs a sender: set from in the configuration or pass verify({ to, from })', { phase: 'config' });
    }
    const prepared = to === undefined ? undefined : await prepareMessage(verifyMessage(config, to, sender), this.#composeOptions);
    const started = performance.now();
    const conn = await this.#openConnection(config);
    try {
      const report = sessionReport(conn);
      if (prepared) {
        await sendTestMessage(conn, prepared, report, (error) => {
          const failure = this.#explain(asError(error), config);
          return { failure, authRequired: showsAuthRequired(failure, config, this.#offersAuth.get(config) === true) };
        });
      }
      if (sessionHooks(conn).usable) await conn.quit().catch(() => undefined);
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
      await Promise.all([...this.#pools.values()].map(({ pool }) => pool.close()));
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

  /**
   * Sends one message with retries and failover (see the file comment). The first attempt, when nothing
   * stands before it (the first target, no rate limiter, no failures of other sends to answer for), is made
   * here without an async frame: the pool's promise gets one then(), where an async function's promise,
   * frame and await were paid by every message. A failed first attempt, and every other case, is
   * #deliverLoop's, which picks up where this left off. `queued`: the send holds an admission turn, and
   * #deliver ends it as it settles (a message composed in its turn, see #composeAndDeliver, and sendRaw()).
   */
  #deliver(
    envelope: Envelope,
    source: PreparedMessage | string | Uint8Array | Readable,
    messageId: string,
    options: DeliveryOptions,
    started: number,
    queued = false,
  ): Promise<SendInfo> {
    let body: BodyHandle;
    try {
      body = new BodyHandle(source, this.#primary.config.guards.maxMessageBytes);
    } catch (error) {
      // A message over guards.maxMessageBytes, before any attempt (no message:failed, as before).
      if (queued) this.#endTurn();
      return Promise.reject(error);
    }
    const target = this.#primary;
    const retry = target.config.retry;
    if (retry.attempts < 1 || target.limiter !== undefined || (retry.attempts > 1 && target.reach.answered(started, performance.now(), retry.attempts, this.#answeredAfterMs) !== undefined)) {
      return this.#deliverLoop(envelope, body, messageId, options, started, queued, undefined);
    }
    let sending: Promise<PoolSendResult>;
    try {
      sending = target.pool.send(envelope, body.next(), sendOptionsOf(options), false);
    } catch (error) {
      return this.#deliverLoop(envelope, body, messageId, options, started, queued, { error });
    }
    return sending.then(
      (result) => {
        try {
          return this.#sentInfo(result, target, envelope, messageId, 1, started);
        } finally {
          if (queued) this.#endTurn();
        }
      },
      (error: unknown) => this.#deliverLoop(envelope, body, messageId, options, started, queued, { error }),
    );
  }

  /** An accepted message: the server is reachable, the result for the caller, message:sent. */
  #sentInfo(result: PoolSendResult, target: Target, envelope: Envelope, messageId: string, attempts: number, started: number): SendInfo {
    target.reach.succeeded(performance.now());
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
  }

  /** A queued send's turn is over: its place in the admission queue goes to the next, close() may go on. */
  #endTurn(): void {
    this.#admission.leave();
    this.#settled();
  }

  /** Every attempt of #deliver's after a failed first one, and all of them when it could not make that one. */
  async #deliverLoop(
    envelope: Envelope,
    body: BodyHandle,
    messageId: string,
    options: DeliveryOptions,
    started: number,
    queued: boolean,
    resumed: { error: unknown } | undefined,
  ): Promise<SendInfo> {
    const retry = this.#primary.config.retry;
    let attempts = 0;
    let lastError: SmtpError | undefined;
    let lastTarget: Target | undefined;
    /**
     * Configurations that failed this message in a way a retry on them would not change (EAUTH, ETLS). Made
     * on the first such failure: nearly every message never needs it.
     */
    let spent: Set<Target> | undefined;
    try {
      for (let pass = 0; pass < retry.attempts; pass += 1) {
        if (pass > 0) await backoff(pass, retry, options.signal);
        for (const target of this.#targets) {
          // The first target's first attempt was #deliver's (`resumed`): none of these applied to it.
          if (resumed === undefined) {
            if (spent?.has(target)) continue;
            if (attempts > 0 && !body.canReplay) throw lastError;
            // A send that waited its turn while every connection to this server failed does not start a backoff
            // window of its own (reachability.ts): it takes their answer, and a fallback may still take it.
            const answered = pass === 0 && retry.attempts > 1 ? target.reach.answered(started, performance.now(), retry.attempts, this.#answeredAfterMs) : undefined;
            if (answered) {
              lastError = answered.with({ message: `${answered.message} (not tried again for this message: every connection to this server failed while it waited its turn)` });
              lastTarget = target;
              (spent ??= new Set()).add(target);
              if (spent.size === this.#targets.length) throw lastError;
              continue;
            }
            // Announced only now that another attempt really follows, so a hook can count retries exactly.
            if (lastError) {
              if (attempts > 0) this.emit('retry', { attempt: attempts + 1, error: lastError, target: target.index });
              if (lastTarget && lastTarget.index < target.index) {
                this.emit('failover', { from: lastTarget.index, to: target.index, code: lastError.code, message: lastError.message, error: lastError });
              }
            }
          }
          attempts += 1;
          try {
            if (resumed !== undefined) {
              // #deliver's first attempt failed: its failure is judged here, like any attempt's.
              const { error } = resumed;
              resumed = undefined;
              throw error;
            }
            if (target.limiter) await target.limiter.take(options.signal);
            // After a network failure in this same pool: not on a sibling of the connection that died.
            const fresh = lastTarget?.pool === target.pool && (lastError?.code === 'ECONNECTION' || lastError?.code === 'ETIMEDOUT');
            const result = await target.pool.send(envelope, body.next(), sendOptionsOf(options), fresh);
            return this.#sentInfo(result, target, envelope, messageId, attempts, started);
          } catch (error) {
            const failure = this.#explain(asError(error), target.config);
            lastError = failure;
            lastTarget = target;
            if (isRetryable(failure)) continue;
            // Not worth retrying here, but maybe another configuration can take it (a wrong password or a
            // TLS failure is this server's or this configuration's problem, not the message's).
            if (!failsOver(failure)) throw failure;
            (spent ??= new Set()).add(target);
            if (spent.size === this.#targets.length) throw failure;
          }
        }
      }
      throw lastError ?? new SmtpError('ECONNECTION', 'No attempt was made', { phase: 'connect' });
    } catch (error) {
      const failure = asError(error);
      this.emit('message:failed', { error: failure, durationMs: performance.now() - started, ...(messageId ? { messageId } : {}) });
      throw failure;
    } finally {
      // A send that holds its admission turn here (`queued`, see #deliver) ends it here.
      if (queued) this.#endTurn();
    }
  }

  #makeTarget(config: ResolvedConfig, index: number): Target {
    // A static accessToken wins over getAccessToken in the mechanisms, as it always has: nothing to renew then.
    if (config.oauth2 || (typeof config.auth?.getAccessToken === 'function' && !config.auth.accessToken)) this.#tokens.set(config, undefined);
    const key = transportKey(config);
    let shared = this.#pools.get(key);
    if (!shared) {
      const reach = new Reachability();
      const pool = new ConnectionPool(
        (signal) => this.#openConnection(config, signal, reach),
        config.pool,
        {
          onOpen: (id) => this.emit('connection:open', { target: index, id }),
          onClose: (id, reason) => this.emit('connection:close', { target: index, id, reason }),
        },
      );
      shared = { pool, reach };
      this.#pools.set(key, shared);
    }
    return { index, config, pool: shared.pool, reach: shared.reach, limiter: config.rateLimit ? new RateLimiter(config.rateLimit) : undefined };
  }

  /** Opens a session; with an OAuth2 token source, a refused token is renewed once (token-renewal.ts). */
  async #openConnection(config: ResolvedConfig, signal?: AbortSignal, reach?: Reachability): Promise<SmtpConnection> {
    if (!this.#tokens.has(config) || !config.auth) return this.#openOnce(config, config.auth, signal, reach);
    try {
      const { openWithRenewal } = await import('./token-renewal.js');
      return await openWithRenewal(await this.#tokenSource(config), config.auth, (auth) => this.#openOnce(config, auth, signal, reach), config.onTranscript);
    } catch (error) {
      throw this.#explain(asError(error), config);
    }
  }

  /** The configuration's token source, made (and its code loaded) on first use. */
  #tokenSource(config: ResolvedConfig): Promise<TokenSource> {
    let source = this.#tokens.get(config);
    if (source === undefined) {
      const { oauth2 } = config;
      const provider = config.auth?.getAccessToken;
      source = import('./token-source.js').then(({ TokenSource }) =>
        oauth2 ? TokenSource.fromOAuth2(oauth2, config.timeouts.connectMs + config.timeouts.commandMs) : TokenSource.fromProvider(provider as NonNullable<typeof provider>),
      );
      this.#tokens.set(config, source);
    }
    return source;
  }

  async #openOnce(config: ResolvedConfig, auth: AuthOptions | undefined, signal?: AbortSignal, reach?: Reachability): Promise<SmtpConnection> {
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
      crossMessagePipelining: this.#pipelining.forServer(transportKey(config)),
      ...(pinned ? { address: pinned.address } : {}),
      ...(config.clientName !== undefined ? { clientName: config.clientName } : {}),
      ...(auth ? { auth } : {}),
      ...(config.connector ? { connector: config.connector } : {}),
      ...(config.onTranscript ? { onTranscript: config.onTranscript } : {}),
    });
    try {
      await conn.open(signal);
      reach?.succeeded(performance.now());
      if (!config.auth) this.#offersAuth.set(config, (conn.capabilities?.auth.length ?? 0) > 0);
      return conn;
    } catch (error) {
      conn.close();
      // A token refusal goes back as it is: #openConnection recognises it (and adds the hint) itself.
      if (isTokenRejection(error)) throw error;
      const failure = this.#explain(connectionHint(asError(error), config), config);
      if (reach && isRetryable(failure)) reach.failed(failure, performance.now());
      throw failure;
    }
  }

  /** The error with its hint (SmtpError.hint) when the cause is one of the common ones. */
  #explain(error: SmtpError, config: ResolvedConfig): SmtpError {
    const withPreset = withPresetHint(error, config.authHint);
    if (withPreset.hint !== undefined) return withPreset;
    const hint = failureHint(withPreset, {
      host: config.host,
      port: config.port,
      security: config.security,
      authenticated: config.auth !== undefined,
      authHint: config.authHint,
      offersAuth: this.#offersAuth.get(config) === true,
    });
    return hint === undefined ? withPreset : withHint(withPreset, hint);
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

/**
 * Creates a transport from one configuration, or several tried in order (failover). Everything is checked here (ECONFIG); no socket is opened until a send.
 *
 * @example
 * ```ts
 * import { createTransport } from 'mailwire';
 * const transport = createTransport({ host: 'smtp.example.com', auth: { user: 'me', pass: process.env.SMTP_PASS! } });
 * const info = await transport.send({ from: 'me@example.com', to: 'you@example.com', subject: 'Hi', text: 'Hello' });
 * await transport.close();
 * ```
 */
export function createTransport(config: TransportConfig | TransportConfig[]): SmtpTransport {
  return new SmtpTransport(config);
}

export type { TransportEventMap };

/** DKIM's signing code, loaded by the first signed message: a transport without `dkim` never loads it. */
let signing: Promise<typeof import('../dkim/sign-prepared.js')> | undefined;
function dkimSigning(): Promise<typeof import('../dkim/sign-prepared.js')> {
  return (signing ??= import('../dkim/sign-prepared.js'));
}

/** Same bound as the session's one-flight BDAT: above it, the message streams. */
const IN_MEMORY_LIMIT = 1024 * 1024;


/** What #deliver takes besides the call's options: what the message itself asks for. */
type DeliveryOptions = SendCallOptions & { dsn?: DsnOptions; smtpUtf8?: boolean };

/** The options #deliver takes for a composed message: the call's, plus what the message itself asks for. */
function deliveryOptions(message: MailMessage, options: SendCallOptions, prepared: PreparedMessage): DeliveryOptions {
  const dsn = message.dsn;
  const requireTls = message.requireTls === true || options.requireTls === true;
  // A UTF-8 address in the headers needs SMTPUTF8 even when the envelope is ASCII (RFC 6532).
  const smtpUtf8 = prepared.needsSmtpUtf8;
  const extra = dsn || requireTls || smtpUtf8;
  return extra ? { ...options, ...(dsn ? { dsn } : {}), requireTls, smtpUtf8 } : options;
}

/** The session's options for one attempt. */
function sendOptionsOf(options: DeliveryOptions): SendOptions {
  const sendOptions: SendOptions = {};
  if (options.signal) sendOptions.signal = options.signal;
  if (options.dsn) sendOptions.dsn = options.dsn;
  if (options.beforeCommit) sendOptions.beforeCommit = options.beforeCommit;
  if (options.requireTls === true) sendOptions.requireTls = true;
  if (options.smtpUtf8 === true) sendOptions.smtpUtf8 = true;
  return sendOptions;
}

function asError(error: unknown): SmtpError {
  return SmtpError.from(error, { code: 'EPROTOCOL', phase: 'connect' });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
