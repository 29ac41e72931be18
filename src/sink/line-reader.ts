/**
 * Frames command lines out of socket chunks without copying or allocating in the common case (a whole line
 * inside one chunk): a line is reported as a range of bytes, and only decoded to text when the session
 * asks for it (most commands are recognised from their bytes). Bounded: a line longer than MAX_LINE_BYTES
 * is reported once and then skipped up to its LF, so a client that never sends a newline cannot make us
 * buffer without limit.
 */

const LF = 0x0a;
const CR = 0x0d;

/** RFC 5321 4.5.3.1.4 allows 512 octets; we accept 4096 including the CRLF (long AUTH responses, params). */
export const MAX_LINE_BYTES = 4096;

export type LineEvent =
  | { kind: 'line'; text: string }
  | { kind: 'too-long' }
  | { kind: 'bare-lf' };

/** What read() found: nothing yet (the chunk ended mid-line), a line, or a line that is refused. */
export const LineKind = { None: 0, Line: 1, TooLong: 2, BareLf: 3 } as const;
export type LineKind = (typeof LineKind)[keyof typeof LineKind];

const EMPTY = Buffer.alloc(0);

export class LineReader {
  /** After read(): what was found. For Line, the content (without CRLF) is line[start, end). */
  kind: LineKind = LineKind.None as LineKind;
  line: Buffer = EMPTY;
  start = 0;
  end = 0;
  #partial: Buffer | null = null;
  #skipping = false;

  /** Forget a partial line (after STARTTLS, RFC 3207: nothing from before the handshake is kept). */
  reset(): void {
    this.#partial = null;
    this.#skipping = false;
  }

  /** The last line as text (UTF-8). */
  text(): string {
    return this.line.toString('utf8', this.start, this.end);
  }

  /**
   * Read at most one line from buf[pos..]: sets `kind` (and for a line, `line`/`start`/`end`) and returns
   * the index where reading should continue.
   */
  read(buf: Buffer, pos: number): number {
    const idx = buf.indexOf(LF, pos);
    this.kind = LineKind.None;
    if (this.#skipping) {
      if (idx === -1) return buf.length;
      this.#skipping = false;
      return idx + 1;
    }
    if (idx === -1) {
      const held = (this.#partial?.length ?? 0) + buf.length - pos;
      if (held >= MAX_LINE_BYTES) {
        this.#partial = null;
        this.#skipping = true;
        this.kind = LineKind.TooLong;
        return buf.length;
      }
      // Copy: the rest of a chunk is small here, and keeping a slice would pin the whole chunk.
      const rest = Buffer.from(buf.subarray(pos));
      this.#partial = this.#partial ? Buffer.concat([this.#partial, rest]) : rest;
      return buf.length;
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
    if (end - start + 1 > MAX_LINE_BYTES) this.kind = LineKind.TooLong;
    else if (end === start || line[end - 1] !== CR) this.kind = LineKind.BareLf;
    else {
      this.kind = LineKind.Line;
      this.line = line;
      this.start = start;
      this.end = end - 1;
    }
    return next;
  }

  /** The last read() as an event object (tests and rare paths; the session reads the fields). */
  event(): LineEvent | null {
    switch (this.kind) {
      case LineKind.Line:
        return { kind: 'line', text: this.text() };
      case LineKind.TooLong:
        return { kind: 'too-long' };
      case LineKind.BareLf:
        return { kind: 'bare-lf' };
      default:
        return null;
    }
  }
}
