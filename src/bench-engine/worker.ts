/**
 * Worker-thread entry of the load generator: runs one share and reports progress every 100 ms, then the
 * result (latency samples transferred, not copied). The parent stops it early with { type: 'stop' }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runShare, type LiveCounters, type Share, type ShareResult } from './runner.js';
import type { BenchOptions } from './types.js';

export interface WorkerInput {
  options: BenchOptions;
  share: Share;
}

export type WorkerMessage =
  | { type: 'progress'; sent: number; failed: number }
  | { type: 'result'; result: ShareResult }
  | { type: 'error'; message: string };

const port = parentPort;
if (port) {
  const { options, share } = workerData as WorkerInput;
  const live: LiveCounters = { sent: 0, failed: 0 };
  const stop = new AbortController();
  port.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') stop.abort();
  });
  const timer = setInterval(() => port.postMessage({ type: 'progress', sent: live.sent, failed: live.failed } satisfies WorkerMessage), 100);
  runShare(options, share, live, stop.signal)
    .then((result) => {
      port.postMessage({ type: 'result', result } satisfies WorkerMessage, [result.latencies.buffer as ArrayBuffer]);
    })
    .catch((error: unknown) => {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    })
    .finally(() => {
      clearInterval(timer);
      port.close();
    });
}
