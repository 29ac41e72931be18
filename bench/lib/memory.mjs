/** Resident memory, sampled every 10 ms, plus the kernel's own high-water mark (catches spikes between samples). */

export function forceGc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

/** Settles the heap and returns the RSS a measurement is compared against. */
export async function baselineRss() {
  forceGc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  forceGc();
  return process.memoryUsage.rss();
}

export function startRssSampler(intervalMs = 10) {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, intervalMs);
  return {
    /** Stops sampling; returns the peak seen by sampling and by the kernel (ru_maxrss) together. */
    stop() {
      clearInterval(timer);
      const kernelPeak = process.resourceUsage().maxRSS * 1024;
      return { sampledPeak: peak, peak: Math.max(peak, kernelPeak) };
    },
  };
}

export const MB = 1024 * 1024;
