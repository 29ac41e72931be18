/**
 * Memory checks for fault tests: "a hostile server cannot make the client hold much memory".
 *
 * Counts the JS heap plus ArrayBuffer memory (Buffers live outside the heap), sampled on a short timer
 * while the hostile exchange runs. A forced GC before the baseline keeps earlier tests' garbage out of the
 * figure; vitest does not start workers with --expose-gc, so the flag is switched on at run time.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

export function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export interface MemoryWatch {
  /** Stops sampling; returns the largest growth over the baseline seen, in bytes. */
  stop(): number;
}

export function watchMemory(intervalMs = 2): MemoryWatch {
  collectGarbage();
  const baseline = memoryInUse();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, memoryInUse());
  }, intervalMs);
  return {
    stop(): number {
      clearInterval(timer);
      peak = Math.max(peak, memoryInUse());
      return peak - baseline;
    },
  };
}

export const MB = 1024 * 1024;
