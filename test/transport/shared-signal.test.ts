/**
 * One AbortSignal passed to many sends at once (a request's signal for a notification fan-out, a worker's
 * shutdown signal): every send and every layer under it used to add its own 'abort' listener to it, and past
 * 10 Node printed "MaxListenersExceededWarning: Possible EventTarget memory leak detected" on the caller's
 * stderr, although every listener was removed when its send settled. Now the layers share one listener per
 * signal (src/abort/fanout.ts).
 *
 * The server is smtp-server, an independent implementation, on loopback; it can hold its replies to the end
 * of each message so that an abort finds sends both on the wire and still queued.
 */
import { getEventListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createTransport } from '../../src/index.js';
import type { SmtpError } from '../../src/errors.js';

const SENDS = 50;

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
});

interface Peer {
  port: number;
  /** Recipients of the messages the server took (their end of data arrived), in order. */
  received: string[];
  /** Resolves once `count` messages have reached their end of data. */
  bodies(count: number): Promise<void>;
  /** Sends the held replies to the end of data, and every later one at once. */
  release(): void;
}

async function startPeer(hold: boolean): Promise<Peer> {
  const received: string[] = [];
  const held: Array<() => void> = [];
  let holding = hold;
  const waiting = new Set<() => void>();
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true, // loopback only, no DNS
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    closeTimeout: 200,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('error', () => undefined);
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        for (const check of [...waiting]) check();
        if (holding) held.push(() => callback());
        else callback();
      });
    },
  });
  server.on('error', () => undefined); // aborted sessions are dropped by the client
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    bodies: (count) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (received.length < count) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      }),
    release() {
      holding = false;
      for (const reply of held.splice(0)) reply();
    },
  };
}

/** Collects the warnings the process emits while a test runs. */
function watchWarnings(): Error[] {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };
  process.on('warning', onWarning);
  cleanups.push(() => {
    process.off('warning', onWarning);
  });
  return warnings;
}

/** process.emitWarning reports on the next tick: let it. */
const ticks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function message(i: number) {
  return { from: 'sender@example.com', to: `rcpt${i}@example.com`, subject: `message ${i}`, text: `body ${i}` };
}

type Outcome = { ok: true; accepted: string[] } | { ok: false; code: string; delivery: string };

describe('one signal shared by many concurrent sends', () => {
  it('delivers 50 sends without a MaxListenersExceededWarning, and leaves no listener of ours on the signal', async () => {
    const warnings = watchWarnings();
    const peer = await startPeer(false);
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', pool: { maxConnections: 3 }, retry: { attempts: 1 } });
    cleanups.push(() => transport.close());
    const controller = new AbortController();
    const callers = (): void => undefined;
    controller.signal.addEventListener('abort', callers);
    const results = await Promise.all(Array.from({ length: SENDS }, (_, i) => transport.send(message(i), { signal: controller.signal })));
    await ticks();
    expect(results.map((r) => r.accepted)).toEqual(Array.from({ length: SENDS }, (_, i) => [`rcpt${i}@example.com`]));
    expect([...peer.received].sort()).toEqual(Array.from({ length: SENDS }, (_, i) => `rcpt${i}@example.com`).sort());
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    // Only the caller's own listener is left.
    expect(getEventListeners(controller.signal, 'abort')).toEqual([callers]);
  });

  it('aborted with sends queued and in flight: each settles once, the queued at once with EABORT and delivery none', async () => {
    const warnings = watchWarnings();
    const peer = await startPeer(true);
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', pool: { maxConnections: 2 }, retry: { attempts: 1 } });
    cleanups.push(() => transport.close());
    let events = 0;
    transport.on('message:sent', () => (events += 1));
    transport.on('message:failed', () => (events += 1));
    const controller = new AbortController();
    const callers = (): void => undefined;
    controller.signal.addEventListener('abort', callers);
    const settled: Outcome[] = [];
    const sends = Array.from({ length: SENDS }, (_, i) =>
      transport.send(message(i), { signal: controller.signal }).then(
        (info): Outcome => {
          const outcome: Outcome = { ok: true, accepted: info.accepted };
          settled.push(outcome);
          return outcome;
        },
        (error: SmtpError): Outcome => {
          const outcome: Outcome = { ok: false, code: error.code, delivery: error.delivery };
          settled.push(outcome);
          return outcome;
        },
      ),
    );
    // Both connections have a message on the wire whose end the server holds; the rest wait behind them.
    await peer.bodies(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toEqual([]);
    // 50 sends waiting in every layer, and one listener of ours on the signal besides the caller's.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(2);
    controller.abort();
    await ticks();
    // Everything but what is on the wire settles at once, without waiting for the held replies.
    const onTheWire = peer.received.length;
    expect(settled.length).toBeGreaterThanOrEqual(SENDS - 2 * onTheWire - 2);
    for (const outcome of settled) expect(outcome).toEqual({ ok: false, code: 'EABORT', delivery: 'none' });
    peer.release();
    const outcomes = await Promise.all(sends);
    await ticks();
    expect(settled).toHaveLength(SENDS);
    expect(events).toBe(SENDS);
    // A message whose end was written before the abort was the server's to take: the send reports it taken
    // (the abort does not cut a message after its final dot). Every other send failed with EABORT, and its
    // delivery says whether the server may have it.
    const sent = outcomes.filter((o) => o.ok);
    expect(sent.flatMap((o) => (o.ok ? o.accepted : [])).sort()).toEqual([...peer.received].sort());
    for (const outcome of outcomes.filter((o) => !o.ok)) {
      expect(outcome).toMatchObject({ ok: false, code: 'EABORT' });
      if (!outcome.ok) expect(['none', 'unknown']).toContain(outcome.delivery);
    }
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(outcomes.filter((o) => !o.ok && o.delivery === 'none').length).toBeGreaterThanOrEqual(SENDS - 2 * onTheWire - 2);
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([callers]);
  });
});
