/**
 * Server side of RFC 5321 4.5.2: finds the end of a DATA body (CRLF "." CRLF) and removes the leading dot
 * of every line that starts with one, across arbitrary chunk boundaries.
 *
 * Speed matters (the sink must not be the bottleneck of `mailwire bench`), so there is no per-byte loop:
 * only lines that begin with a dot need work, and those are found by native searches for the dot alone
 * (see indexOfCrlfDot). Everything between is handed on as a slice of the input chunk (no copy).
 *
 * Only CRLF counts as a line ending: "\n.\n", "\r.\r" and friends are ordinary content. Accepting bare LF
 * terminators is what made "SMTP smuggling" possible, and a strict sink also catches client bugs.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const LONE_CR = Buffer.from('\r', 'latin1');

/** Receives unstuffed content as (buffer, start, end) ranges so counting needs no slicing. */
export type ContentSink = (buf: Buffer, start: number, end: number) => void;

const enum State {
  /** Inside a line; the previous byte is not a pending CR. */
  Mid,
  /** Inside a line; the previous byte (already passed on) was CR. */
  Cr,
  /** At the start of a line (after CRLF, or at the very start of the body). */
  LineStart,
  /** A line started with "."; that dot was dropped. */
  Dot,
  /** A line started with ".\r"; the CR is held back until we know whether LF (the end) follows. */
  DotCr,
}

export class DotUnstuffer {
  #state: State = State.LineStart;
  readonly #sink: ContentSink;

  constructor(sink: ContentSink) {
    this.#sink = sink;
  }

  /** Ready for a new body (the state right after the 354). */
  reset(): void {
    this.#state = State.LineStart;
  }

  /**
   * Consume `buf` from `start`. Returns the index just after the terminating ".\r\n" when the body ended
   * in this chunk (the bytes after it are the next commands), or -1 when everything was body.
   * The content handed to the sink ends with the CRLF that precedes the final dot, like the message itself.
   */
  push(buf: Buffer, start: number): number {
    const end = buf.length;
    let pos = start;
    let segStart = start;
    while (pos < end) {
      switch (this.#state) {
        case State.Mid: {
          const idx = indexOfCrlfDot(buf, pos);
          if (idx !== -1) {
            pos = idx + 2; // at the dot
            this.#state = State.LineStart;
            break;
          }
          // No complete "\r\n." here; remember whether the tail may begin one in the next chunk.
          // (A lone LF at `pos` never follows a line-ending CR: every path into Mid excludes that.)
          const last = buf[end - 1];
          if (last === CR) this.#state = State.Cr;
          else if (last === LF && end - 2 >= pos && buf[end - 2] === CR) this.#state = State.LineStart;
          pos = end;
          break;
        }
        case State.Cr:
          if (buf[pos] === LF) {
            pos++;
            this.#state = State.LineStart;
          } else {
            this.#state = State.Mid;
          }
          break;
        case State.LineStart:
          if (buf[pos] === DOT) {
            if (pos > segStart) this.#sink(buf, segStart, pos);
            pos++;
            segStart = pos;
            this.#state = State.Dot;
          } else {
            this.#state = State.Mid;
          }
          break;
        case State.Dot:
          // segStart already points just past the dropped dot.
          if (buf[pos] === CR) {
            pos++;
            this.#state = State.DotCr;
          } else {
            this.#state = State.Mid;
          }
          break;
        case State.DotCr:
          if (buf[pos] === LF) {
            // ".\r\n" at a line start: the end. The held-back CR (at segStart, if in this chunk) is not content.
            this.#state = State.LineStart;
            return pos + 1;
          }
          // The CR was content after all. If it sat in this chunk, segStart covers it; if not, re-emit it.
          if (pos === start) this.#sink(LONE_CR, 0, 1);
          this.#state = State.Mid;
          break;
      }
    }
    // Hold back a CR that may be part of the terminator; pass on everything else.
    const flushEnd = this.#state === State.DotCr && end > start ? end - 1 : end;
    if (flushEnd > segStart) this.#sink(buf, segStart, flushEnd);
    return -1;
  }
}

/**
 * Index of the first "\r\n." in buf[from..], or -1: the same answer as `buf.indexOf("\r\n.", from)`, found
 * by searching for the dot (a single-byte search, and dots are rare in mail) instead of for the CR that
 * starts every line.
 */
function indexOfCrlfDot(buf: Buffer, from: number): number {
  let dot = buf.indexOf(DOT, from + 2);
  while (dot !== -1 && (buf[dot - 1] !== LF || buf[dot - 2] !== CR)) dot = buf.indexOf(DOT, dot + 1);
  return dot === -1 ? -1 : dot - 2;
}
