/**
 * One thread's share of a benchmark: N SmtpConnections, each sending messages from a shared claim counter
 * with up to two transactions in flight (pipelining: the next MAIL follows the previous dot without
 * waiting for its reply) or one at a time. Latency is measured per message, from its first write (or
 * send()) to the final reply.
 *
 * Two engines: 'pump' (default) lets the client open the session, then runs the lean loop of
 * message-pump.ts on its socket; 'client' sends every message through SmtpConnection.send(), which
 * measures the library's own transaction.
 *
 * The load generator's own work per message is kept to a minimum: each lane owns one message buffer whose
 * number it patches in place (no composing, no allocation, no copy), and reads the clock once per message
 * (the end of one message is the start of the next in that lane).
 *
 * A session that breaks is replaced; one that cannot be opened three times in a row gives up, so a dead
 * server ends the run quickly instead of spinning.
 */
import { SmtpConnection, sessionHooks } from '../connection/smtp-connection.js';
import { SmtpError } from '../errors.js';
import { makePayload, type Payload } from './payload.js';
import { runPump, type PumpHost } from './message-pump.js';
import { prepareWire } from './pump-wire.js';
import { LatencyRecorder } from './stats.js';
import type { BenchOptions } from './types.js';

export interface Share {
  connections: number;
  /** Messages for this share; undefined = until the deadline. */
  messages?: number;
  durationMs?: number;
}

/** Counters another thread (or a progress bar) may read while the run goes on. */
export interface LiveCounters {
  sent: number;
  failed: number;
}

export interface ShareResult {
  sent: number;
  failed: number;
  bytes: number;
  latencies: Float64Array;
  errors: Record<string, number>;
  connectionErrors: Record<string, number>;
  /** The first message seen for each error code (what a person needs to fix the setup). */
  errorMessages: Record<string, string>;
  sessionsOpened: number;
}

const MAX_CONSECUTIVE_OPEN_FAILURES = 3;

export async function runShare(options: BenchOptions, share: Share, live: LiveCounters, signal?: AbortSignal): Promise<ShareResult> {
  const payload = makePayload(options.size, options.from, options.recipients, options.recipientDomain);
  const latencies = new LatencyRecorder();
  const result: ShareResult = { sent: 0, failed: 0, bytes: 0, latencies: new Float64Array(0), errors: {}, connectionErrors: {}, errorMessages: {}, sessionsOpened: 0 };
  const deadline = share.durationMs !== undefined ? performance.now() + share.durationMs : Infinity;
  let remaining = share.messages ?? Infinity;
  let sequence = 0;

  const more = (): boolean => remaining > 0 && !signal?.aborted && performance.now() < deadline;
  const claim = (): number => {
    if (!more()) return -1;
    remaining -= 1;
    return ++sequence;
  };

  // Every connection's connect() waits on the signal at the same time: the connector subscribes through
  // src/abort/fanout.ts, one listener on the signal for all of them, so the caller's signal is left as it is
  // (no setMaxListeners on an object that is not ours).

  const lane = async (conn: SmtpConnection): Promise<void> => {
    const hooks = sessionHooks(conn);
    let slot = payload.slot();
    let started = performance.now();
    while (hooks.usable) {
      const n = claim();
      if (n < 0) return;
      slot.set(n);
      try {
        await conn.send(payload.envelope, slot.bytes);
        const now = performance.now();
        latencies.record(now - started);
        started = now;
        result.sent += 1;
        result.bytes += slot.bytes.byteLength;
        live.sent += 1;
      } catch (error) {
        // A failed send may leave its bytes queued on the socket: never patch those again.
        slot = payload.slot();
        started = performance.now();
        result.failed += 1;
        live.failed += 1;
        count(result.errors, result.errorMessages, error);
      }
    }
  };

  const session = async (): Promise<void> => {
    let failures = 0;
    while (more()) {
      const conn = newConnection(options);
      try {
        await conn.open(signal);
      } catch (error) {
        conn.close();
        count(result.connectionErrors, result.errorMessages, error);
        if (++failures >= MAX_CONSECUTIVE_OPEN_FAILURES) return;
        await sleep(100 * failures);
        continue;
      }
      failures = 0;
      result.sessionsOpened += 1;
      if (options.engine === 'client') {
        const inFlight = options.pipelining ? 2 : 1;
        await Promise.all(Array.from({ length: inFlight }, () => lane(conn)));
        if (sessionHooks(conn).usable) await conn.quit();
        else conn.close();
      } else {
        await pump(conn);
      }
    }
  };

  // The pump's report to this share: the same counters the client lanes keep.
  const host: PumpHost = {
    claim,
    sent: (latencyMs, bytes) => {
      latencies.record(latencyMs);
      result.sent += 1;
      result.bytes += bytes;
      live.sent += 1;
    },
    failed: (error) => {
      result.failed += 1;
      live.failed += 1;
      count(result.errors, result.errorMessages, error);
    },
  };
  const timeout = options.target.timeoutMs ?? 30_000;
  const settings = { pipelining: options.pipelining, chunking: true, commandMs: timeout, dataMs: Math.max(timeout, 60_000) };

  /** The lean loop on the session the client opened (see message-pump.ts). */
  const pump = async (conn: SmtpConnection): Promise<void> => {
    const session = sessionHooks(conn).detach();
    // Fresh buffers per session: a broken session's socket may still hold the old ones in its queue.
    const slots = [payload.slot(), payload.slot()] as [ReturnType<Payload['slot']>, ReturnType<Payload['slot']>];
    let wire;
    try {
      wire = prepareWire(payload.envelope, slots[0].bytes, session.capabilities);
    } catch (error) {
      session.socket.destroy();
      throw error;
    }
    const limit = session.capabilities.size;
    if (limit !== undefined && limit > 0 && wire.size > limit) {
      // As send() does: refused before a byte of it is written, and so is every other message of the run.
      session.socket.destroy();
      const error = new SmtpError('ESIZE', `The message is ${wire.size} bytes; the server accepts at most ${limit} (SIZE)`, { phase: 'mail', transient: false });
      for (let n = claim(); n >= 0; n = claim()) host.failed(error);
      return;
    }
    await runPump(session, wire, slots, settings, host);
  };

  await Promise.all(Array.from({ length: share.connections }, session));
  result.latencies = latencies.toArray();
  return result;
}

function newConnection(options: BenchOptions): SmtpConnection {
  const t = options.target;
  const timeout = t.timeoutMs ?? 30_000;
  return new SmtpConnection({
    host: t.host,
    port: t.port,
    security: t.security,
    tls: { ...t.tls },
    timeouts: { connectMs: timeout, greetingMs: timeout, commandMs: timeout, dataMs: Math.max(timeout, 60_000) },
    usePipelining: options.pipelining,
    ...(t.auth ? { auth: t.auth } : {}),
    ...(t.clientName !== undefined ? { clientName: t.clientName } : {}),
  });
}

function count(into: Record<string, number>, messages: Record<string, string>, error: unknown): void {
  const code = SmtpError.is(error) ? error.code : 'EINTERNAL';
  into[code] = (into[code] ?? 0) + 1;
  messages[code] ??= error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

