/**
 * ConnectionPool: many sessions to one server identity, reused across sends.
 *
 * The pool knows a connection only through the small PooledConnection contract and creates them through a
 * factory (undici's shape), so tests hand in fakes. Policy, in order of preference for a new send:
 *   1. an idle, healthy connection (checked with NOOP or RSET when it was parked a while or left dirty);
 *   2. a new connection, while fewer than maxConnections exist;
 *   3. a second transaction on a busy connection that offers PIPELINING (its MAIL follows the previous dot);
 *   4. otherwise wait, first come first served.
 * A broken connection is dropped, never reused. Idle connections are closed after idleTimeoutMs, and an
 * idle socket is unref'd so the pool never keeps the process alive.
 *
 * Capacity is counted in places (places.ts): a connection holds one from before it opens until after it is
 * closed, and a place comes back only through its release(), which hands it to the longest-waiting send.
 */
import { SmtpError } from '../errors.js';
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import type { Envelope, MessageBody, SendOptions, SendResult } from '../connection/transaction.js';
import { SmtpConnection, sessionHooks } from '../connection/smtp-connection.js';
import { WaiterQueue, type QueueEntry } from './waiter-queue.js';
import { Place, Places } from './places.js';

/** What the pool needs from a session (an SmtpConnection is driven through its internal hooks). */
export interface PooledConnection {
  readonly usable: boolean;
  readonly inFlight: number;
  readonly needsReset: boolean;
  readonly capabilities?: { pipelining: boolean } | undefined;
  /** Runs one transaction on this connection. */
  send(envelope: Envelope, body: MessageBody, options?: SendOptions): Promise<SendResult>;
  /** Sends NOOP. */
  noop(): Promise<unknown>;
  /** Sends RSET. */
  rset(): Promise<unknown>;
  /** Says QUIT and closes. */
  quit(): Promise<void>;
  /** Closes at once, without QUIT. */
  close(): void;
  /** Turns TCP keep-alive on or off while the connection is parked. */
  setKeepAlive(active: boolean): void;
}

/** How many connections a pool keeps, for how many messages each, and for how long idle. */
export interface PoolOptions {
  maxConnections: number;
  maxMessagesPerConnection: number;
  idleTimeoutMs: number;
  /** Transactions in flight per PIPELINING connection (2 lets the next MAIL follow the previous dot). */
  pipelineDepth: number;
  /** A connection parked longer than this is checked with NOOP before reuse. */
  checkAfterIdleMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  maxConnections: 5,
  maxMessagesPerConnection: 100,
  idleTimeoutMs: 30_000,
  pipelineDepth: 2,
  checkAfterIdleMs: 5_000,
};

/** Callbacks a pool calls when it opens or closes a connection. */
export interface PoolEvents {
  /** A connection was opened (its id). */
  onOpen?: (id: number) => void;
  /** A connection was closed, and why. */
  onClose?: (id: number, reason: string) => void;
}

/** Opens one connection for a pool (an `SmtpConnection`, opened and ready). */
export type ConnectionFactory = (signal?: AbortSignal) => Promise<PooledConnection | SmtpConnection>;

interface Slot {
  id: number;
  conn: PooledConnection;
  started: number; // transactions started on it
  /**
   * Sends that hold this slot, counted from the moment a send picks it (synchronously), not from when
   * the transaction starts: between the two, other sends run, and the connection's own inFlight does not
   * know about them yet. Decisions (idle? room to pipeline? park?) use this.
   */
  users: number;
  parkedAt: number;
  idleTimer: NodeJS.Timeout | undefined;
  retiring: boolean;
  /** Given back by #drop once the connection is closed, never before. */
  place: Place;
}

/**
 * What wakes a waiting send: a connection already taken on its behalf, a place to open one with (the waiter
 * owns it and must open with it or release it), or nothing (look again: a pipeline has room).
 */
type Grant = Slot | Place | undefined;

interface Waiter {
  resolve: (grant: Grant) => void;
}

/** A pooled send's result: the transaction's, and which connection carried it. */
export interface PoolSendResult extends SendResult {
  connectionId: number;
  /** True when the connection was opened for this send (no reuse). */
  newConnection: boolean;
}

/** Reusable connections to one server, for callers that schedule sends themselves (the transport uses one per configuration). */
export class ConnectionPool {
  readonly #factory: ConnectionFactory;
  readonly #options: PoolOptions;
  readonly #events: PoolEvents;
  readonly #slots = new Set<Slot>();
  readonly #waiters = new WaiterQueue<Waiter>();
  readonly #places: Places;
  /** Connections saying goodbye (QUIT in flight): close() waits for them too. */
  readonly #closing = new Set<Promise<void>>();
  #nextId = 1;
  #closed = false;
  #active = 0;
  #drained: (() => void) | undefined;
  #surveyShared: Slot | undefined;

  constructor(factory: ConnectionFactory, options: Partial<PoolOptions> = {}, events: PoolEvents = {}) {
    this.#factory = factory;
    this.#options = { ...DEFAULT_POOL_OPTIONS, ...options };
    this.#events = events;
    for (const name of ['maxConnections', 'pipelineDepth'] as const) {
      const value = this.#options[name];
      if (!Number.isInteger(value) || value < 1) throw new SmtpError('ECONFIG', `pool.${name} must be a whole number, at least 1`, { phase: 'config' });
    }
    this.#places = new Places(this.#options.maxConnections, () => this.#placeFreed());
  }

  /** The most transactions this pool can have on the wire at once (every connection's pipeline full). */
  get maxInFlight(): number {
    return this.#options.maxConnections * this.#options.pipelineDepth;
  }

  get size(): number {
    return this.#slots.size;
  }

  get pending(): number {
    return this.#waiters.length;
  }

  /**
   * Sends through a pooled connection. `fresh` forces a new connection (a retry after a network failure must
   * not land on a sibling of the connection that just died).
   */
  send(envelope: Envelope, body: MessageBody, options: SendOptions = {}, fresh = false): Promise<PoolSendResult> {
    options ??= {};
    if (this.#closed) return Promise.reject(new SmtpError('ECLOSED', 'The transport is closed', { phase: 'connect', transient: false }));
    // The common case under load: a connection is ready now. Taken synchronously, and the send runs without
    // an async frame of the pool's own: its promise, suspended frame and await were paid by every message.
    const ready = fresh || options.signal?.aborted ? undefined : this.#takeReady();
    if (ready !== undefined) {
      this.#active += 1;
      return this.#sendNow(ready, envelope, body, options, undefined) as Promise<PoolSendResult>;
    }
    // A send that will wait (no connection now, none to open) and has no fresh connection to care about waits
    // as a record in the queue, not as a suspended async frame (see QueuedSend). With a signal, the record
    // subscribes to it (one shared listener per signal, src/abort/fanout.ts) and leaves the queue on abort.
    const signal = options.signal;
    if (!fresh && (signal === undefined || !signal.aborted) && this.#mustWait()) {
      const queued = signal === undefined ? new QueuedSend(this.#woken, envelope, body, options) : new AbortableQueuedSend(this.#woken, envelope, body, options);
      const promise = queued.promise();
      try {
        this.#enqueue(queued, false);
      } catch (error) {
        // The signal's addEventListener threw (not a real AbortSignal): nothing was queued.
        return Promise.reject(error);
      }
      this.#active += 1;
      return promise;
    }
    return this.#acquireAndSend(envelope, body, options, fresh, false, undefined);
  }

  /**
   * Runs the send on a slot it holds (taken and counted in #active), without an async frame: the
   * transaction's promise gets one then() that gives the slot back and annotates the result. For a queued
   * send the outcome goes to its record, else to the promise returned.
   */
  #sendNow(slot: Slot, envelope: Envelope, body: MessageBody, options: SendOptions, queued: QueuedSend | undefined): Promise<PoolSendResult> | undefined {
    let sending: Promise<SendResult>;
    try {
      sending = slot.conn.send(envelope, body, options);
    } catch (error) {
      // A custom connection that throws instead of rejecting: as if it had rejected.
      this.#sent(slot);
      if (queued === undefined) return Promise.reject(error);
      queued.fail(error);
      return undefined;
    }
    // A PIPELINING connection with room can take the next waiter's transaction right behind this one.
    if (this.#waiters.length > 0 && this.#canPipeline(slot)) this.#nextWaiter()?.resolve(undefined);
    if (!(sending instanceof Promise)) sending = Promise.resolve(sending);
    if (queued === undefined) {
      return sending.then(
        (result) => {
          this.#sent(slot);
          return annotate(result, slot, false);
        },
        (error: unknown) => {
          this.#sent(slot);
          throw error;
        },
      );
    }
    void sending.then(
      (result) => {
        try {
          this.#sent(slot);
        } catch (error) {
          queued.fail(error);
          return;
        }
        queued.done(annotate(result, slot, false));
      },
      (error: unknown) => {
        try {
          this.#sent(slot);
        } finally {
          queued.fail(error);
        }
      },
    );
    return undefined;
  }

  /**
   * Would #acquireAndSend's first round end in a wait? No idle connection, no place to open one, no pipeline
   * with room. (#survey also drops dead idle connections, as that round would.)
   */
  #mustWait(): boolean {
    const idle = this.#survey();
    const shared = this.#takeShared();
    return idle === undefined && shared === undefined && this.#places.free === 0;
  }

  /**
   * A queued send was woken with `grant`: looked at in a microtask, as a suspended frame's continuation
   * would be. One reaction on a settled promise per wake and the pair in a FIFO (no closure, no
   * queueMicrotask, which makes an async resource and a bound function per call): reactions run in the
   * order they were queued, so each takes the oldest pair, and every grant is looked at where the
   * continuation of the waiter it woke would have run.
   */
  readonly #woken = (queued: QueuedSend, grant: Grant): void => {
    this.#wakes.push(queued, grant);
    void SETTLED.then(this.#nextWoken);
  };

  readonly #wakes: Array<QueuedSend | Grant> = [];

  readonly #nextWoken = (): void => {
    const queued = this.#wakes.shift() as QueuedSend;
    const grant = this.#wakes.shift() as Grant;
    try {
      this.#granted(queued, grant);
    } catch (error) {
      // A custom connection's hook threw: the send fails, as it did from inside the waiting frame.
      this.#active -= 1;
      if (this.#active === 0) this.#drained?.();
      queued.fail(error);
    }
  };

  /**
   * What a queued send was woken with, a microtask after the wake (when a suspended frame's continuation
   * would have run). What ends in a send on a connection without a health check is done here, as the
   * loop's next steps would do it; anything else (a place to open with, a check, the pool closed) goes
   * to the loop itself, from where a woken waiter stands.
   */
  #granted(queued: QueuedSend, grant: Grant): void {
    let slot: Slot | undefined;
    // Aborted since it was woken to look again: the loop's next round throws EABORT, as it would have.
    if (!this.#closed && !(grant === undefined && queued.options.signal?.aborted === true)) {
      if (grant === undefined) {
        // Woken to look again (a pipeline has room, or a connection broke): the loop's next round.
        const idle = this.#survey();
        const shared = this.#takeShared();
        if (idle !== undefined) {
          if (!this.#needsCheck(idle)) {
            this.#take(idle);
            slot = idle;
          }
        } else if (this.#places.free === 0) {
          if (shared === undefined) {
            // Still nothing: back to the head of the queue (a waiter woken without a slot keeps its place).
            this.#enqueue(queued, true);
            return;
          }
          this.#take(shared);
          slot = shared;
        }
      } else if (!(grant instanceof Place) && grant.conn.usable && !this.#needsCheck(grant)) {
        // Handed over by #release, already taken on its behalf.
        slot = grant;
      }
    }
    if (slot === undefined) {
      this.#active -= 1; // #acquireAndSend counts it again
      this.#acquireAndSend(queued.envelope, queued.body, queued.options, false, true, grant).then(queued.done, queued.fail);
      return;
    }
    this.#sendNow(slot, queued.envelope, queued.body, queued.options, queued);
  }

  /**
   * Queues a waiting record at the back (a new waiter) or the front (woken without a slot). One with a signal
   * subscribes to it, for as long as it is in the queue: an abort takes it out and fails it with EABORT, as
   * the waiting loop of #acquireAndSend does. Subscribes before queueing: if that throws, nothing is queued.
   */
  #enqueue(queued: QueuedSend, front: boolean): void {
    if (!(queued instanceof AbortableQueuedSend)) {
      if (front) this.#waiters.unshift(queued);
      else this.#waiters.push(queued);
      return;
    }
    let entry: QueueEntry<Waiter> | undefined;
    const subscription = subscribeAbort(queued.options.signal as AbortSignal, () => {
      if (entry === undefined || !this.#waiters.remove(entry)) return;
      queued.subscription = undefined;
      this.#active -= 1;
      if (this.#active === 0) this.#drained?.();
      queued.fail(abortError());
    });
    entry = front ? this.#waiters.unshift(queued) : this.#waiters.push(queued);
    queued.subscription = subscription;
  }

  /** A send on `slot` settled: the slot goes back, and close() may be waiting for the last send. */
  #sent(slot: Slot): void {
    try {
      this.#release(slot);
    } finally {
      this.#active -= 1;
      if (this.#active === 0) this.#drained?.();
    }
  }

  /**
   * A send that has to wait, check or open a connection first. The acquiring loop runs in this
   * frame, not in an async function of its own: a waiting send holds one suspended frame, not two.
   */
  async #acquireAndSend(envelope: Envelope, body: MessageBody, options: SendOptions, fresh: boolean, woken: boolean, woke: Grant): Promise<PoolSendResult> {
    this.#active += 1;
    try {
      const signal = options.signal;
      let slot: Slot;
      let isNew = false;
      // A queued send handed over (#granted) starts where a waiter woken with `woke` stands.
      let waited = woken;
      let grant: Grant = woke;
      let afterWait = woken;
      acquiring: for (;;) {
        if (!afterWait) {
          if (signal?.aborted) throw abortError();
          const idle = this.#survey();
          const shared = this.#takeShared();
          if (!fresh) {
            if (idle) {
              this.#take(idle);
              const healthy = this.#healthy(idle);
              if (healthy === true || (await healthy)) {
                slot = idle;
                break acquiring;
              }
              continue;
            }
          }
          const place = this.#places.take();
          if (place) {
            slot = await this.#open(place, signal);
            isNew = true;
            break acquiring;
          }
          if (!fresh) {
            if (shared) {
              this.#take(shared);
              slot = shared;
              break acquiring;
            }
          } else {
            // Every place is held: an idle connection gives its place up for the fresh one (else the fresh send
            // would wait for the idle timeout).
            if (idle) void this.#drop(idle, 'replaced by a fresh connection', true);
          }
          let subscription: AbortSubscription | undefined;
          grant = await new Promise<Grant>((resolve) => {
            const waiter: Waiter = { resolve };
            // A waiter woken without a slot keeps its place at the head of the queue (fairness).
            const entry = waited ? this.#waiters.unshift(waiter) : this.#waiters.push(waiter);
            if (signal) {
              subscription = subscribeAbort(signal, () => {
                this.#waiters.remove(entry);
                resolve(undefined);
              });
            }
          });
          // One signal may serve many sends: do not leave a subscriber behind for every time this one waited.
          subscription?.unsubscribe();
          waited = true;
        }
        afterWait = false;
        if (grant instanceof Place) {
          // Woken with a place of its own: open with it, or pass it on (aborted, or the pool closed meanwhile).
          if (!this.#closed && !signal?.aborted) {
            slot = await this.#open(grant, signal);
            isNew = true;
            break acquiring;
          }
          grant.release();
          if (this.#closed) throw closedError();
          continue; // throws EABORT at the top
        }
        if (this.#closed) {
          if (grant) this.#release(grant);
          throw closedError();
        }
        if (grant) {
          // Handed over by #release, already taken (and counted towards maxMessagesPerConnection) on our behalf.
          if (grant.conn.usable) {
            const healthy = this.#healthy(grant);
            if (healthy === true || (await healthy)) {
              slot = grant;
              break acquiring;
            }
          }
          this.#release(grant);
        }
        // Woken without a usable slot (it broke, or capacity freed up): go round again.
      }
      try {
        const sending = slot.conn.send(envelope, body, options);
        // A PIPELINING connection with room can take the next waiter's transaction right behind this one.
        if (this.#waiters.length > 0 && this.#canPipeline(slot)) this.#nextWaiter()?.resolve(undefined);
        return annotate(await sending, slot, isNew);
      } finally {
        this.#release(slot);
      }
    } finally {
      this.#active -= 1;
      if (this.#active === 0) this.#drained?.();
    }
  }

  /**
   * A slot usable at once without waiting or checking: an idle connection that needs no health check, else
   * one with pipeline room. Taken (counted) before returning. Mirrors the first pass of #acquireAndSend.
   */
  #takeReady(): Slot | undefined {
    if (this.#waiters.length > 0) return undefined; // fairness: queued sends go first
    const idle = this.#survey();
    const shared = this.#takeShared();
    if (idle !== undefined) {
      if (this.#needsCheck(idle)) return undefined;
      this.#take(idle);
      return idle;
    }
    // Below maxConnections a new connection is preferred over sharing one (#acquireAndSend opens it).
    if (this.#places.free > 0) return undefined;
    if (shared !== undefined) this.#take(shared);
    return shared;
  }

  /** Waits for every queued and running send, then QUITs every connection. */
  async close(): Promise<void> {
    if (this.#active > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    this.#closed = true;
    for (const waiter of this.#waiters.drain()) waiter.resolve(undefined);
    await Promise.all([...this.#slots].map((slot) => this.#drop(slot, 'pool closed', true)));
    await Promise.all([...this.#closing]);
  }

  /**
   * One pass over the connections, as every send that cannot be handed a slot directly makes: drops the
   * parked ones that died while idle (so their place frees up), and returns the first idle, healthy
   * connection. The least busy connection with pipeline room is left for #takeShared(). One pass, not three:
   * with a pool of 20 the separate sweeps and searches read each connection's state three times a send.
   */
  #survey(): Slot | undefined {
    let idle: Slot | undefined;
    let shared: Slot | undefined;
    for (const slot of this.#slots) {
      const { conn } = slot;
      if (!conn.usable) {
        if (slot.users === 0) void this.#drop(slot, 'connection broken', false);
        continue;
      }
      if (slot.retiring) continue;
      if (slot.users === 0 && idle === undefined) idle = slot;
      else if (
        conn.capabilities?.pipelining === true &&
        slot.users < this.#options.pipelineDepth &&
        slot.started < this.#options.maxMessagesPerConnection &&
        (shared === undefined || slot.users < shared.users)
      ) {
        shared = slot;
      }
    }
    this.#surveyShared = shared;
    return idle;
  }

  /** The pipelining candidate of the last #survey() (then forgotten: it must not outlive that moment). */
  #takeShared(): Slot | undefined {
    const shared = this.#surveyShared;
    this.#surveyShared = undefined;
    return shared;
  }

  #canPipeline(slot: Slot): boolean {
    const { conn } = slot;
    return (
      conn.usable &&
      !slot.retiring &&
      conn.capabilities?.pipelining === true &&
      slot.users < this.#options.pipelineDepth &&
      slot.started < this.#options.maxMessagesPerConnection
    );
  }

  /** Opens a connection in `place`; a failed open gives the place back (and so wakes a waiter). */
  async #open(place: Place, signal: AbortSignal | undefined): Promise<Slot> {
    let conn: PooledConnection;
    try {
      const made = await this.#factory(signal);
      conn = made instanceof SmtpConnection ? sessionHooks(made) : made;
    } catch (error) {
      place.release();
      throw error;
    }
    const slot: Slot = { id: this.#nextId++, conn, started: 0, users: 0, parkedAt: Date.now(), idleTimer: undefined, retiring: false, place };
    // Taken by the opener before anyone else can see it in #slots.
    this.#take(slot);
    this.#slots.add(slot);
    this.#events.onOpen?.(slot.id);
    return slot;
  }

  /**
   * NOOP a connection parked for a while, RSET one a failed transaction left dirty; drop it if that fails.
   * The caller has taken the slot, so nobody else picks it meanwhile. Plain `true` when no check is needed,
   * which is most of the time: then the caller does not await (a microtask turn and a promise per send).
   */
  #healthy(slot: Slot): true | Promise<boolean> {
    return this.#needsCheck(slot) ? this.#check(slot) : true;
  }

  async #check(slot: Slot): Promise<boolean> {
    const { conn } = slot;
    try {
      await (conn.needsReset ? conn.rset() : conn.noop());
      return true;
    } catch {
      await this.#drop(slot, 'failed its health check', false);
      return false;
    }
  }

  /** A failed transaction left the session dirty (RSET), or it was parked long enough to have died (NOOP). */
  #needsCheck(slot: Slot): boolean {
    return slot.conn.needsReset || Date.now() - slot.parkedAt > this.#options.checkAfterIdleMs;
  }

  /**
   * A send takes the slot: counted at once, the socket keeping the process alive. An armed idle timer is
   * left as it is: when it fires on a slot in use it does nothing (#idleTimeUp).
   */
  #take(slot: Slot): void {
    slot.users += 1;
    slot.started += 1;
    if (slot.started >= this.#options.maxMessagesPerConnection) slot.retiring = true;
    slot.conn.setKeepAlive(true);
  }

  /**
   * The slot was parked (at `parkedAt`): closed once it has been idle for idleTimeoutMs. One timer per
   * connection, armed when none is: a pooled connection under load is parked and taken again about once a
   * message, and a timer set and cleared each time was a timer object, a closure and two list operations
   * per message.
   */
  #armIdleTimer(slot: Slot, ms: number): void {
    if (slot.idleTimer !== undefined) return;
    slot.idleTimer = setTimeout(this.#idleTimeUp, ms, slot);
    slot.idleTimer.unref?.();
  }

  readonly #idleTimeUp = (slot: Slot): void => {
    slot.idleTimer = undefined;
    if (!this.#slots.has(slot) || slot.users > 0) return; // dropped, or in use: its next park arms a timer
    const left = slot.parkedAt + this.#options.idleTimeoutMs - Date.now();
    // Parked again since this timer was armed (or the clocks differ by a millisecond): wait for the rest.
    if (left > 0) this.#armIdleTimer(slot, left);
    else void this.#drop(slot, 'idle timeout', true);
  };

  #release(slot: Slot): void {
    slot.users -= 1;
    const { conn } = slot;
    if (!conn.usable) {
      void this.#drop(slot, 'connection broken', false);
    } else if (slot.retiring && slot.users === 0) {
      void this.#drop(slot, 'maxMessagesPerConnection reached', true);
    } else if (slot.users === 0) {
      slot.parkedAt = Date.now();
      const waiter = this.#nextWaiter();
      if (waiter) {
        // Handed over taken: nobody can pick or park it before the waiter runs.
        this.#take(slot);
        waiter.resolve(slot);
        return;
      }
      conn.setKeepAlive(false);
      this.#armIdleTimer(slot, this.#options.idleTimeoutMs);
    } else if (this.#canPipeline(slot)) {
      // Room in this connection's pipeline: let one waiter look again. (A dropped connection's place wakes a
      // waiter when it is given back: #placeFreed.)
      this.#nextWaiter()?.resolve(undefined);
    }
  }

  /** A place was given back (places.ts): the longest-waiting send gets it, already taken on its behalf. */
  #placeFreed(): void {
    const waiter = this.#nextWaiter();
    if (waiter) waiter.resolve(this.#places.take());
  }

  /** The longest-waiting send. Aborted waiters are never in the queue: the abort listener removes them. */
  #nextWaiter(): Waiter | undefined {
    return this.#waiters.shift();
  }

  /** Takes the connection out of use and closes it; its place is given back only once it is closed. */
  #drop(slot: Slot, reason: string, polite: boolean): Promise<void> {
    if (!this.#slots.delete(slot)) return Promise.resolve();
    clearTimeout(slot.idleTimer);
    this.#events.onClose?.(slot.id, reason);
    if (!polite || !slot.conn.usable) {
      try {
        slot.conn.close();
      } finally {
        slot.place.release();
      }
      return Promise.resolve();
    }
    // An idle socket is unref'd; QUIT must keep the process alive until the server answers, or a script's
    // `await transport.close()` never resolves because the process exits mid-QUIT.
    slot.conn.setKeepAlive(true);
    const closing = (async () => {
      try {
        await slot.conn.quit();
      } catch {
        slot.conn.close();
      } finally {
        slot.place.release();
      }
    })();
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
    return closing;
  }
}

/**
 * A send waiting in the pool's queue as a record: its arguments and its promise's settle functions. A burst
 * keeps many sends waiting for a connection, and a suspended async frame each (its promise, frame and
 * await) was garbage every message made. Woken like any waiter; the pool looks at the grant a microtask
 * later (#woken, #granted), when a suspended frame's continuation would have run.
 */
class QueuedSend implements Waiter {
  readonly #woken: (queued: QueuedSend, grant: Grant) => void;
  readonly envelope: Envelope;
  readonly body: MessageBody;
  readonly options: SendOptions;
  /** The settle functions of promise(): set while it is made (no executor closure per send). */
  done: (result: PoolSendResult) => void = unset;
  fail: (error: unknown) => void = unset;

  constructor(woken: (queued: QueuedSend, grant: Grant) => void, envelope: Envelope, body: MessageBody, options: SendOptions) {
    this.#woken = woken;
    this.envelope = envelope;
    this.body = body;
    this.options = options;
  }

  /** The send's promise (once). */
  promise(): Promise<PoolSendResult> {
    making = this;
    const promise = new Promise<PoolSendResult>(takeSettlers);
    making = undefined;
    return promise;
  }

  resolve(grant: Grant): void {
    this.#woken(this, grant);
  }
}

/** The QueuedSend whose promise is being made. */
let making: QueuedSend | undefined;

/**
 * A queued send with a signal: the same record, and its subscription to the signal while it is in the queue
 * (a subclass, so that the sends without a signal do not carry the field).
 */
class AbortableQueuedSend extends QueuedSend {
  subscription: AbortSubscription | undefined = undefined;

  /** Woken: out of the queue, so no longer its abort's to take out (what it was woken with is looked at next). */
  override resolve(grant: Grant): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
    super.resolve(grant);
  }
}

function takeSettlers(done: (result: PoolSendResult) => void, fail: (error: unknown) => void): void {
  const queued = making as QueuedSend;
  queued.done = done;
  queued.fail = fail;
}

function unset(): void {}

/**
 * SmtpConnection's result object is ours alone: annotated rather than copied. A custom connection may hand
 * back a frozen or shared object, which is copied.
 */
function annotate(result: SendResult, slot: Slot, isNew: boolean): PoolSendResult {
  if (!Object.isExtensible(result)) return { ...result, connectionId: slot.id, newConnection: isNew };
  const annotated = result as PoolSendResult;
  annotated.connectionId = slot.id;
  annotated.newConnection = isNew;
  return annotated;
}

/** Settled once: a then() on it queues a reaction and nothing else. */
const SETTLED = Promise.resolve();

function closedError(): SmtpError {
  return new SmtpError('ECLOSED', 'The transport is closed', { phase: 'connect', transient: false });
}

function abortError(): SmtpError {
  return new SmtpError('EABORT', 'The send was aborted while waiting for a connection', { phase: 'connect', transient: false });
}
