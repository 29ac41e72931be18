/**
 * The real system under test in one model run: two model servers (primary and fallback), one transport
 * (with failover to the fallback or not), every send it was asked for with how it settled, and the
 * process-wide evidence the invariants need (unhandled errors, file descriptors, active handles).
 */
import fs from 'node:fs';
import { createTransport, SmtpError, type SendInfo, type SmtpTransport, type TransportConfig } from '../../src/index.js';
import { ModelServer, modelTarget, type Extensions } from './model-server.js';
import { defaultConnector } from '../../src/tls/connector.js';
import type { Connector } from '../../src/index.js';

export interface RunConfig {
  poolSize: 1 | 2 | 5;
  pipelineDepth: 1 | 2;
  maxMessagesPerConnection: number;
  idleTimeoutMs: number;
  timeoutMs: number;
  attempts: number;
  failover: boolean;
  /** What each server offers in EHLO (primary, fallback). */
  extensions: [Extensions, Extensions];
}

export interface SendRecord {
  n: number;
  id: string;
  /** Issued after close() was called (must fail with ECLOSED, no event). */
  afterClose: boolean;
  abortAfterMs: number | undefined;
  settled: number;
  outcome: { kind: 'resolved'; info: SendInfo } | { kind: 'rejected'; error: unknown } | undefined;
}

/** Errors that reached the process instead of a promise; installed once per test file (see the test). */
export const processErrors: unknown[] = [];
export function installProcessListeners(): () => void {
  const onError = (error: unknown): void => void processErrors.push(error);
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  return () => {
    process.off('unhandledRejection', onError);
    process.off('uncaughtException', onError);
  };
}

const WATCHED = new Set(['Timeout', 'Immediate', 'TCPSocketWrap', 'TCPServerWrap', 'TCPWRAP', 'TLSWrap', 'PipeWrap']);

export function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) if (WATCHED.has(name)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

export function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let runNumber = 0;

export class ModelSystem {
  readonly servers = [new ModelServer(), new ModelServer()];
  /**
   * Connections the client holds to each server, and the most at once: what the pool controls. A
   * connection counts from its connect attempt until the client has closed its side (ended or destroyed
   * the socket): the 'close' event comes a loop turn later, and the servers' own count (ModelServer.peak)
   * can see one more when the client gives up a connection during its handshake (its FIN goes out before
   * the next SYN, but the server's event loop may take the new accept first).
   */
  readonly clientSockets: Array<Set<{ stream?: { destroyed: boolean; writableEnded: boolean } }>> = [new Set(), new Set()];
  readonly clientPeak = [0, 0];
  transport!: SmtpTransport;
  readonly sends: SendRecord[] = [];
  readonly events = { sent: new Map<string, number>(), failed: 0 };
  closeCalls: Array<Promise<void>> = [];
  closed = false;
  readonly aborters = new Set<NodeJS.Timeout>();
  readonly run = ++runNumber;
  readonly baseline = { fds: openFds(), resources: resourceCounts(), processErrors: processErrors.length };
  /** Commands run so far, for the failure report. */
  readonly trace: string[] = [];

  constructor(readonly config: RunConfig) {}

  async start(): Promise<void> {
    for (const [i, s] of this.servers.entries()) {
      s.extensions = this.config.extensions[i] ?? 'pipelining';
      await s.start();
    }
    const { config } = this;
    const counting = (i: number): Connector => async (request) => {
      const held = this.clientSockets[i] as Set<{ stream?: { destroyed: boolean; writableEnded: boolean } }>;
      const attempt: { stream?: { destroyed: boolean; writableEnded: boolean } } = {};
      held.add(attempt);
      for (const a of held) if (a.stream && (a.stream.destroyed || a.stream.writableEnded)) held.delete(a);
      this.clientPeak[i] = Math.max(this.clientPeak[i] ?? 0, held.size);
      try {
        const connected = await defaultConnector(request);
        attempt.stream = connected.stream;
        return connected;
      } catch (error) {
        held.delete(attempt);
        throw error;
      }
    };
    const one = (server: ModelServer): TransportConfig => ({
      ...modelTarget(server.port),
      connector: counting(this.servers.indexOf(server)),
      clientName: 'model.test',
      pool: {
        maxConnections: config.poolSize,
        pipelineDepth: config.pipelineDepth,
        maxMessagesPerConnection: config.maxMessagesPerConnection,
        idleTimeoutMs: config.idleTimeoutMs,
      },
      timeouts: { connectMs: config.timeoutMs, greetingMs: config.timeoutMs, commandMs: config.timeoutMs, dataMs: config.timeoutMs },
      retry: { attempts: config.attempts, minDelayMs: 1, maxDelayMs: 5 },
    });
    const [primary, fallback] = this.servers as [ModelServer, ModelServer];
    this.transport = createTransport(config.failover ? [one(primary), one(fallback)] : one(primary));
    this.transport.on('message:sent', (e) => this.events.sent.set(e.info.messageId, (this.events.sent.get(e.info.messageId) ?? 0) + 1));
    this.transport.on('message:failed', () => (this.events.failed += 1));
  }

  /** Sends without waiting: the outcome is recorded when the promise settles. */
  send(abortAfterMs: number | undefined, lines: number): void {
    const n = this.sends.length;
    const id = `<model-${this.run}-${n}@model.test>`;
    const record: SendRecord = { n, id, afterClose: this.closed, abortAfterMs, settled: 0, outcome: undefined };
    this.sends.push(record);
    let signal: AbortSignal | undefined;
    if (abortAfterMs !== undefined) {
      const controller = new AbortController();
      signal = controller.signal;
      if (abortAfterMs === 0) controller.abort();
      else {
        const t = setTimeout(() => {
          this.aborters.delete(t);
          controller.abort();
        }, abortAfterMs);
        this.aborters.add(t);
      }
    }
    const text = Array.from({ length: lines }, (_, i) => (i % 3 === 0 ? `.dot line ${i}` : `line ${i} of ${id}`)).join('\n');
    this.transport
      .send({ from: 'model@example.com', to: 'rcpt@example.com', subject: `model ${n}`, text, messageId: id }, signal ? { signal } : {})
      .then(
        (info) => {
          record.settled += 1;
          record.outcome = { kind: 'resolved', info };
        },
        (error: unknown) => {
          record.settled += 1;
          record.outcome = { kind: 'rejected', error };
        },
      );
  }

  close(): void {
    this.closed = true;
    this.closeCalls.push(this.transport.close());
  }

  unsettled(): SendRecord[] {
    return this.sends.filter((s) => s.settled === 0);
  }

  /** Waits until every send settled, or until none settled for `quietMs` (then some never will). */
  async settle(quietMs: number): Promise<void> {
    let last = -1;
    let quietSince = performance.now();
    for (;;) {
      const left = this.unsettled().length;
      if (left === 0) return;
      if (left !== last) {
        last = left;
        quietSince = performance.now();
      } else if (performance.now() - quietSince > quietMs) return;
      await sleep(5);
    }
  }

  /** close() (again, if the run called it) within `boundMs`; false if it did not resolve. */
  async closeWithin(boundMs: number): Promise<boolean> {
    const closing = Promise.all([...this.closeCalls, this.transport.close()]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), boundMs)));
    const ok = await Promise.race([closing, late]);
    clearTimeout(timer);
    return ok;
  }

  /** Stops the servers, then waits (bounded) for descriptors and handles to come back to the baseline. */
  async teardown(boundMs: number): Promise<{ fds: number; resources: Record<string, number> }> {
    for (const t of this.aborters) clearTimeout(t);
    this.aborters.clear();
    for (const s of this.servers) await s.stop();
    const deadline = performance.now() + boundMs;
    for (;;) {
      const now = { fds: openFds(), resources: resourceCounts() };
      if (this.#atBaseline(now) || performance.now() > deadline) return now;
      await sleep(10);
    }
  }

  #atBaseline(now: { fds: number; resources: Record<string, number> }): boolean {
    if (now.fds > this.baseline.fds) return false;
    // The polling sleep itself is one Timeout.
    return Object.entries(now.resources).every(([name, count]) => count <= (this.baseline.resources[name] ?? 0) + (name === 'Timeout' ? 1 : 0));
  }

  describeError(error: unknown): string {
    if (SmtpError.is(error)) return `${error.code}/${error.delivery}/${error.phase}: ${error.message.slice(0, 120)}`;
    return String(error);
  }
}
