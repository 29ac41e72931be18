/**
 * Frames command lines out of socket chunks without copying the common case (a whole line inside one
 * chunk). Bounded: a line longer than MAX_LINE_BYTES is reported once and then skipped up to its LF, so a
 * client that never sends a newline cannot make us buffer without limit.
 */

const LF = 0x0a;
const CR = 0x0d;

/** RFC 5321 4.5.3.1.4 allows 512 octets; we accept 4096 including the CRLF (long AUTH responses, params). */
export const MAX_LINE_BYTES = 4096;

export type LineEvent =
  | { kind: 'line'; text: string }
  | { kind: 'too-long' }
  | { kind: 'bare-lf' };

export class LineReader {
  #partial: Buffer | null = null;
  #skipping = false;

  /** Forget a partial line (after STARTTLS, RFC 3207: nothing from before the handshake is kept). */
  reset(): void {
    this.#partial = null;
    this.#skipping = false;
  }

  /**
   * Read at most one line from buf[pos..]. Returns the event (or null when the chunk ended mid-line) and the
   * index where reading should continue.
   */
  read(buf: Buffer, pos: number): { event: LineEvent | null; next: number } {
    const idx = buf.indexOf(LF, pos);
    if (this.#skipping) {
      if (idx === -1) return { event: null, next: buf.length };
      this.#skipping = false;
      return { event: null, next: idx + 1 };
    }
    if (idx === -1) {
      const held = (this.#partial?.length ?? 0) + buf.length - pos;
      if (held >= MAX_LINE_BYTES) {
        this.#partial = null;
        this.#skipping = true;
        return { event: { kind: 'too-long' }, next: buf.length };
      }
      // Copy: the rest of a chunk is small here, and keeping a slice would pin the whole chunk.
      const rest = Buffer.from(buf.subarray(pos));
      this.#partial = this.#partial ? Buffer.concat([this.#partial, rest]) : rest;
      return { event: null, next: buf.length };
    }
    const next = idx + 1;
    let line: Buffer;
    let start: number;
    let end: number; // index of the LF within `line`
    if (this.#partial) {
      line = Buffer.concat([this.#partial, buf.subarray(pos, idx)]);
      this.#partial = null;
      start = 0;
      end = line.length;
    } else {
      line = buf;
      start = pos;
      end = idx;
    }
    if (end - start + 1 > MAX_LINE_BYTES) return { event: { kind: 'too-long' }, next };
    if (end === start || line[end - 1] !== CR) return { event: { kind: 'bare-lf' }, next };
    return { event: { kind: 'line', text: line.toString('utf8', start, end - 1) }, next };
  }
}
