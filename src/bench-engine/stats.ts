/** Latency bookkeeping: a growable Float64Array per thread (no per-sample objects), exact percentiles. */
import type { LatencySummary } from './types.js';

export class LatencyRecorder {
  #samples = new Float64Array(1024);
  #length = 0;

  record(ms: number): void {
    if (this.#length === this.#samples.length) {
      const bigger = new Float64Array(this.#samples.length * 2);
      bigger.set(this.#samples);
      this.#samples = bigger;
    }
    this.#samples[this.#length++] = ms;
  }

  get length(): number {
    return this.#length;
  }

  /** A compact copy of the samples (transferable to another thread). */
  toArray(): Float64Array {
    return this.#samples.slice(0, this.#length);
  }
}

/** Nearest-rank percentiles over every sample; null when there are none. */
export function summarize(parts: Float64Array[]): LatencySummary | null {
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total === 0) return null;
  const all = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  all.sort();
  let sum = 0;
  for (const v of all) sum += v;
  const at = (q: number): number => all[Math.min(total - 1, Math.max(0, Math.ceil(q * total) - 1))] ?? 0;
  return {
    min: round(all[0] ?? 0),
    mean: round(sum / total),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(all[total - 1] ?? 0),
  };
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
