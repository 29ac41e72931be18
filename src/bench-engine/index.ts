/**
 * runBench: the load generator behind `mailwire bench` (and the demo). Splits the connections and
 * messages over worker threads when asked (one SMTP client thread rarely saturates a fast server), merges
 * their counters and latency samples, and reports progress while it runs.
 */
import { SmtpError } from '../errors.js';
import { subscribeAbort } from '../abort/fanout.js';
import { builtFile } from '../package-root.js';
import { runShare, type LiveCounters, type Share, type ShareResult } from './runner.js';
import { addCounts, summarize } from './stats.js';
import { BENCH_ENGINES, type BenchOptions, type BenchProgress, type BenchResult } from './types.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

export type { BenchEngine, BenchOptions, BenchProgress, BenchResult, BenchTarget, LatencySummary } from './types.js';
export { BENCH_ENGINES } from './types.js';

export interface RunBenchHooks {
  /** Called about ten times a second while the run goes on. */
  onProgress?: (progress: BenchProgress) => void;
  /** Stops claiming new messages; those in flight finish. */
  signal?: AbortSignal;
  /** Run even a single share in a worker thread (when this thread is busy too, e.g. serving a sink). */
  isolate?: boolean;
}

export async function runBench(options: BenchOptions, hooks: RunBenchHooks = {}): Promise<BenchResult> {
  validate(options);
  const workers = Math.max(1, Math.min(options.workers, options.connections, options.messages ?? Infinity));
  const shares = split(options, workers);
  const started = performance.now();
  const counters: LiveCounters[] = shares.map(() => ({ sent: 0, failed: 0 }));
  const report = (): void => {
    hooks.onProgress?.({
      sent: counters.reduce((n, c) => n + c.sent, 0),
      failed: counters.reduce((n, c) => n + c.failed, 0),
      elapsedMs: performance.now() - started,
    });
  };
  const ticker = hooks.onProgress ? setInterval(report, 100) : undefined;
  let results: ShareResult[];
  try {
    results = await Promise.all(
      shares.map((share, i) => {
        const live = counters[i] as LiveCounters;
        return workers === 1 && !hooks.isolate ? runShare(options, share, live, hooks.signal) : runInWorker(options, share, live, hooks.signal);
      }),
    );
  } finally {
    if (ticker) clearInterval(ticker);
  }
  report();
  return merge(options, workers, results, performance.now() - started, hooks.signal?.aborted ?? false);
}

function validate(options: BenchOptions): void {
  const bad = (what: string): never => {
    throw new SmtpError('ECONFIG', `bench: ${what}`, { phase: 'config' });
  };
  if (options.messages === undefined && options.durationMs === undefined) bad('give a number of messages or a duration');
  if (!Number.isInteger(options.connections) || options.connections < 1) bad('connections must be at least 1');
  if (options.messages !== undefined && (!Number.isInteger(options.messages) || options.messages < 1)) bad('messages must be at least 1');
  if (!Number.isInteger(options.recipients) || options.recipients < 1) bad('recipients must be at least 1');
  if (!Number.isInteger(options.workers) || options.workers < 1) bad('workers must be at least 1');
  if (options.engine !== undefined && !BENCH_ENGINES.includes(options.engine)) bad(`engine must be one of ${BENCH_ENGINES.join(', ')}`);
}

/** Connections as even as possible; messages in proportion to each share's connections. */
function split(options: BenchOptions, workers: number): Share[] {
  const shares: Share[] = [];
  let messagesLeft = options.messages;
  let connectionsLeft = options.connections;
  for (let i = 0; i < workers; i++) {
    const connections = Math.ceil(connectionsLeft / (workers - i));
    const share: Share = { connections };
    if (messagesLeft !== undefined) {
      const messages = i === workers - 1 ? messagesLeft : Math.round((messagesLeft * connections) / connectionsLeft);
      share.messages = messages;
      messagesLeft -= messages;
    }
    if (options.durationMs !== undefined) share.durationMs = options.durationMs;
    connectionsLeft -= connections;
    shares.push(share);
  }
  return shares;
}

async function runInWorker(options: BenchOptions, share: Share, live: LiveCounters, signal?: AbortSignal): Promise<ShareResult> {
  // Loaded here, not at the top: a run on one thread (the default) does not pay for loading worker_threads.
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(builtFile('bench-engine/worker.js'), { workerData: { options, share } satisfies WorkerInput });
    let settled = false;
    // One worker per core, each waiting on the caller's signal: through the shared listener (more than 10
    // cores would otherwise make Node warn about the caller's signal).
    const subscription = signal ? subscribeAbort(signal, () => worker.postMessage({ type: 'stop' })) : undefined;
    const finish = (error: Error | undefined, result?: ShareResult): void => {
      if (settled) return;
      settled = true;
      subscription?.unsubscribe();
      if (error) reject(error);
      else resolve(result as ShareResult);
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        live.sent = message.sent;
        live.failed = message.failed;
      } else if (message.type === 'result') {
        live.sent = message.result.sent;
        live.failed = message.result.failed;
        finish(undefined, message.result);
      } else {
        finish(new SmtpError('EPROTOCOL', `bench worker failed: ${message.message}`, { phase: 'connect' }));
      }
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) => finish(new SmtpError('EPROTOCOL', `bench worker exited (code ${code}) without a result`, { phase: 'connect' })));
  });
}

function merge(options: BenchOptions, workers: number, results: ShareResult[], durationMs: number, interrupted: boolean): BenchResult {
  const sent = results.reduce((n, r) => n + r.sent, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  const errors: Record<string, number> = {};
  const connectionErrors: Record<string, number> = {};
  const errorMessages: Record<string, string> = {};
  for (const r of results) {
    addCounts(errors, r.errors);
    addCounts(connectionErrors, r.connectionErrors);
    for (const [code, message] of Object.entries(r.errorMessages)) errorMessages[code] ??= message;
  }
  const seconds = durationMs / 1000;
  return {
    target: { host: options.target.host, port: options.target.port, security: options.target.security },
    connections: options.connections,
    workers,
    pipelining: options.pipelining,
    engine: options.engine ?? 'pump',
    size: options.size,
    recipients: options.recipients,
    messages: {
      requested: options.messages ?? null,
      attempted: sent + failed,
      sent,
      failed,
      notAttempted: options.messages !== undefined ? options.messages - sent - failed : 0,
    },
    bytes,
    durationMs: Math.round(durationMs * 10) / 10,
    throughput: {
      messagesPerSec: seconds > 0 ? Math.round((sent / seconds) * 10) / 10 : 0,
      bytesPerSec: seconds > 0 ? Math.round(bytes / seconds) : 0,
    },
    latencyMs: summarize(results.map((r) => r.latencies)),
    errors,
    connectionErrors,
    errorMessages,
    sessionsOpened: results.reduce((n, r) => n + r.sessionsOpened, 0),
    interrupted,
  };
}
