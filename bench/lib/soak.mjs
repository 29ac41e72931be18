/**
 * The soak scenario: `count` messages through one long-lived client, a steady stream rather than one burst
 * (a million sends fired together would measure a million queued promises, not the library). `window`
 * sends are kept in flight; every `every` settled messages a sample records throughput over that stretch,
 * RSS, heap, and the p50/p99 latency (send() called -> settled) of its messages.
 *
 * summarizeSoak() turns the samples into the figures: the RSS slope after warm-up (least squares,
 * MB per 100,000 messages), throughput decay (median of the last fifth of the samples against the first
 * fifth after warm-up), and p99 latency over time.
 */
import { openClient } from './clients.mjs';
import { smallMessage } from './messages.mjs';
import { median } from './report.mjs';

const MB = 1024 * 1024;

export async function soak({ library, host, port, count, connections, window, every, size = 2048 }) {
  const client = await openClient(library, { host, port, connections, maxMessages: 1e9 });
  const samples = [];
  const latencies = new Float64Array(every);
  let batchFill = 0;
  let settled = 0;
  let started = 0;
  let errors = 0;
  let firstError;
  const cpuStart = process.cpuUsage();
  const t0 = performance.now();
  let batchStart = t0;
  let batchCpu = process.cpuUsage();

  const takeSample = () => {
    const now = performance.now();
    const cpu = process.cpuUsage(batchCpu);
    batchCpu = process.cpuUsage();
    const sorted = latencies.subarray(0, batchFill).sort();
    const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const memory = process.memoryUsage();
    samples.push({
      messages: settled,
      atMs: Math.round(now - t0),
      msgPerSec: Math.round((batchFill / (now - batchStart)) * 1000),
      cpuUsPerMsg: Math.round(((cpu.user + cpu.system) / batchFill) * 10) / 10,
      rssMB: Math.round((memory.rss / MB) * 10) / 10,
      heapUsedMB: Math.round((memory.heapUsed / MB) * 10) / 10,
      p50Ms: Math.round(pick(0.5) * 100) / 100,
      p99Ms: Math.round(pick(0.99) * 100) / 100,
    });
    batchFill = 0;
    batchStart = now;
  };

  await new Promise((resolve) => {
    const launch = () => {
      while (started - settled < window && started < count) {
        const index = started;
        started += 1;
        const sentAt = performance.now();
        const done = () => {
          latencies[batchFill] = performance.now() - sentAt;
          batchFill += 1;
          settled += 1;
          if (batchFill === every || settled === count) takeSample();
          if (settled === count) resolve();
          else launch();
        };
        client.send(smallMessage(index, size)).then(done, (error) => {
          errors += 1;
          firstError ??= String(error?.message ?? error);
          done();
        });
      }
    };
    launch();
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpuStart);
  await client.close();
  return { ms, count, errors, firstError, cpuMs: (cpu.user + cpu.system) / 1000, samples, summary: summarizeSoak(samples, count) };
}

/** The figures the issue asks for; warm-up is the first tenth of the run (at least one sample). */
export function summarizeSoak(samples, count) {
  const warm = samples.filter((s) => s.messages > count / 10);
  const usable = warm.length >= 2 ? warm : samples;
  const slope = leastSquaresSlope(usable.map((s) => s.messages), usable.map((s) => s.rssMB)) * 100_000;
  const heapSlope = leastSquaresSlope(usable.map((s) => s.messages), usable.map((s) => s.heapUsedMB)) * 100_000;
  const fifth = Math.max(1, Math.floor(usable.length / 5));
  const first = median(usable.slice(0, fifth).map((s) => s.msgPerSec));
  const last = median(usable.slice(-fifth).map((s) => s.msgPerSec));
  const p99 = usable.map((s) => s.p99Ms);
  return {
    warmupMessages: Math.round(count / 10),
    rssSlopeMBPer100k: round2(slope),
    heapSlopeMBPer100k: round2(heapSlope),
    rssPeakMB: Math.max(...samples.map((s) => s.rssMB)),
    rssAfterWarmupMB: usable[0]?.rssMB,
    rssEndMB: samples.at(-1)?.rssMB,
    throughputFirstFifth: Math.round(first),
    throughputLastFifth: Math.round(last),
    throughputDecay: round2(last / first),
    p99FirstFifthMs: round2(median(usable.slice(0, fifth).map((s) => s.p99Ms))),
    p99LastFifthMs: round2(median(usable.slice(-fifth).map((s) => s.p99Ms))),
    p99MaxMs: Math.max(...p99),
    p99MedianMs: round2(median(p99)),
  };
}

function leastSquaresSlope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const round2 = (x) => Math.round(x * 100) / 100;
