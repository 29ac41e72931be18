/**
 * A one-line live progress bar on stderr. Only drawn when stderr is a terminal: in CI logs and pipes a
 * carriage-return animation is noise, and stdout stays clean for --json either way.
 */
import type { OutputStream } from './io.js';

export interface ProgressBar {
  update(done: number, failed: number, elapsedMs: number): void;
  /** Erases the bar so the final report starts on a clean line. */
  finish(): void;
}

const NOOP_BAR: ProgressBar = { update() {}, finish() {} };

/** `total` messages, or `durationMs` of time: whichever the run is bounded by, drives the bar. */
export function progressBar(stream: OutputStream, bound: { total?: number; durationMs?: number }): ProgressBar {
  if (!stream.isTTY) return NOOP_BAR;
  let drawn = false;
  return {
    update(done, failed, elapsedMs) {
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
      const byCount = bound.total !== undefined ? done / bound.total : 0;
      const byTime = bound.durationMs !== undefined ? elapsedMs / bound.durationMs : 0;
      const fraction = Math.min(1, Math.max(byCount, byTime));
      const filled = Math.round(fraction * width);
      const rate = elapsedMs > 0 ? Math.round((done / elapsedMs) * 1000) : 0;
      const counter = bound.total !== undefined ? `${done}/${bound.total}` : `${done}`;
      const failures = failed > 0 ? `  ${failed} failed` : '';
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${counter} msgs  ${rate} msg/s${failures}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
