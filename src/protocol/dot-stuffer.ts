/**
 * Streaming message-body transforms for the wire:
 *  - DotStuffer (DATA): every line end becomes CRLF, a '.' opening a line is doubled, end() adds ".\r\n".
 *  - LineEndingNormalizer (BDAT): line ends only; BDAT counts bytes, so no stuffing and no terminator.
 *
 * Why normalise every bare CR and LF: servers disagree about which sequences end a line or the message, and
 * that disagreement is SMTP smuggling ("\n.\r\n", "\r\n.\n", "\r.\r"): a second message hidden in the first.
 * If only CRLF ever reaches the wire, there is nothing to disagree about.
 *
 * Why this shape: the body is the hot path. Each chunk is scanned with native indexOf for CR and LF; edits
 * (one inserted or dropped byte each) are recorded as numbers; then the output is built with one allocation
 * and a few block copies. A chunk that needs no edit is returned as-is. State carried across chunks is just
 * two booleans: "the next byte starts a line" and "a CR ended the last chunk, so a leading LF is its pair".
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

// Edit kinds, packed as position * 4 + kind.
const INSERT_DOT = 0;
const INSERT_CR = 1;
const INSERT_LF = 2;
const DROP = 3;
const INSERTED = [DOT, CR, LF] as const;

const EMPTY = new Uint8Array(0);
// Shared terminators: never written to, only handed to the socket (one fewer allocation per message).
const DOT_CRLF = Buffer.from('.\r\n', 'latin1');
const CRLF_DOT_CRLF = Buffer.from('\r\n.\r\n', 'latin1');

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Shared engine; `stuff` selects dot-stuffing. */
class LineTransform {
  #atLineStart = true;
  #skipLF = false;
  #bytesOut = 0;
  #dotsAdded = 0;
  readonly #edits: number[] = [];
  readonly #stuff: boolean;

  constructor(stuff: boolean) {
    this.#stuff = stuff;
  }

  /** Dots inserted by stuffing (so callers can report the size of the content itself). */
  get dotsAdded(): number {
    return this.#dotsAdded;
  }

  get bytesOut(): number {
    return this.#bytesOut;
  }

  /** True when everything emitted so far ends with a line end (or nothing was emitted). */
  get atLineStart(): boolean {
    return this.#atLineStart;
  }

  count(n: number): void {
    this.#bytesOut += n;
  }

  resetLine(): void {
    this.#atLineStart = true;
    this.#skipLF = false;
  }

  resetAll(): void {
    this.resetLine();
    this.#bytesOut = 0;
    this.#dotsAdded = 0;
  }

  push(chunk: Uint8Array): Uint8Array {
    const n = chunk.length;
    if (n === 0) return chunk;
    const buf = toBuffer(chunk);
    const edits = this.#edits;
    const stuff = this.#stuff;
    edits.length = 0;
    let i = 0;
    if (this.#skipLF) {
      this.#skipLF = false;
      // The previous chunk ended with a CR that we already wrote as CRLF: this LF is its other half.
      if (buf[0] === LF) {
        edits.push(DROP);
        i = 1;
      }
    }
    if (stuff && this.#atLineStart && i < n && buf[i] === DOT) edits.push(i * 4 + INSERT_DOT);
    let nextCR = buf.indexOf(CR, i);
    let nextLF = buf.indexOf(LF, i);
    while (nextCR !== -1 || nextLF !== -1) {
      let lineStart: number;
      if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
        const p = nextCR;
        if (p + 1 === n) {
          // CR at the end: write CRLF now, and swallow an LF that may open the next chunk.
          edits.push(n * 4 + INSERT_LF);
          this.#skipLF = true;
          break;
        }
        if (buf[p + 1] === LF) {
          lineStart = p + 2;
          nextLF = buf.indexOf(LF, lineStart);
        } else {
          edits.push((p + 1) * 4 + INSERT_LF); // bare CR
          lineStart = p + 1;
        }
        nextCR = buf.indexOf(CR, lineStart);
      } else {
        const p = nextLF; // bare LF: a CR right before it would have been taken by the branch above
        edits.push(p * 4 + INSERT_CR);
        lineStart = p + 1;
        nextLF = buf.indexOf(LF, lineStart);
      }
      if (stuff && lineStart < n && buf[lineStart] === DOT) edits.push(lineStart * 4 + INSERT_DOT);
    }
    if (i < n) {
      const last = buf[n - 1];
      this.#atLineStart = last === LF || last === CR;
    }
    if (edits.length === 0) {
      this.#bytesOut += n;
      return chunk;
    }
    return this.#apply(buf, edits);
  }

  #apply(buf: Buffer, edits: number[]): Buffer {
    let size = buf.length;
    for (const e of edits) {
      size += e % 4 === DROP ? -1 : 1;
      if (e % 4 === INSERT_DOT) this.#dotsAdded += 1;
    }
    const out = Buffer.allocUnsafe(size);
    let src = 0;
    let dst = 0;
    for (const e of edits) {
      const kind = e % 4;
      const pos = (e - kind) / 4;
      if (pos > src) {
        dst += buf.copy(out, dst, src, pos);
        src = pos;
      }
      if (kind === DROP) src++;
      else out[dst++] = INSERTED[kind] ?? 0;
    }
    if (src < buf.length) dst += buf.copy(out, dst, src);
    this.#bytesOut += dst;
    return out;
  }
}

const CRLF_DOT = Buffer.from('\r\n.', 'latin1');

/**
 * Dot-stuffing for a whole body that is already CRLF-only and ends with CRLF (or is empty), as describeBody
 * leaves every in-memory body: then the only edit left is a second dot after each CRLF (and at the very
 * start), found with one native search for "\r\n." instead of a walk from line end to line end. Gives the
 * same bytes as DotStuffer.push + end on such a body (a property test holds the two together); on anything
 * else it is wrong, so it is only ever handed describeBody's output.
 */
export function stuffNormalizedBody(body: Uint8Array): { bytes: Uint8Array; terminator: Uint8Array } {
  const buf = toBuffer(body);
  const n = buf.length;
  let at = buf.indexOf(CRLF_DOT);
  const leading = n > 0 && buf[0] === DOT;
  if (at === -1 && !leading) return { bytes: body, terminator: DOT_CRLF };
  const positions: number[] = leading ? [0] : [];
  while (at !== -1) {
    positions.push(at + 2);
    at = buf.indexOf(CRLF_DOT, at + 3);
  }
  const out = Buffer.allocUnsafe(n + positions.length);
  let src = 0;
  let dst = 0;
  for (const pos of positions) {
    dst += buf.copy(out, dst, src, pos);
    out[dst++] = DOT;
    src = pos;
  }
  buf.copy(out, dst, src);
  return { bytes: out, terminator: DOT_CRLF };
}

/** For DATA: CRLF-normalises, dot-stuffs, and terminates with ".\r\n". State survives chunk boundaries. */
export class DotStuffer {
  readonly #t = new LineTransform(true);

  /** Bytes ready for the wire; may be empty, or the input itself when nothing had to change. */
  push(chunk: Uint8Array): Uint8Array {
    return this.#t.push(chunk);
  }

  /**
   * The end of the body: CRLF if the body did not end with a line end, then ".\r\n" (an empty body gives
   * just ".\r\n": the CRLF of "DATA" already opened the line). The stuffer is then ready for a new body.
   */
  end(): Uint8Array {
    const out = this.#t.atLineStart ? DOT_CRLF : CRLF_DOT_CRLF;
    this.#t.count(out.length);
    this.#t.resetLine();
    return out;
  }

  /** Total bytes returned by push() and end() since construction or reset(). */
  get bytesOut(): number {
    return this.#t.bytesOut;
  }

  /** The CRLF-normalised content without stuffing dots and without the ".\r\n" terminator (valid after end()). */
  get contentBytes(): number {
    return this.#t.bytesOut - this.#t.dotsAdded - 3;
  }

  reset(): void {
    this.#t.resetAll();
  }
}

/** For BDAT: CRLF-normalises line ends only (no dot-stuffing, no terminator). */
export class LineEndingNormalizer {
  readonly #t = new LineTransform(false);

  push(chunk: Uint8Array): Uint8Array {
    return this.#t.push(chunk);
  }

  /** A final CRLF if the body did not end with a line end; otherwise empty. Ready for a new body after. */
  end(): Uint8Array {
    const out = this.#t.atLineStart ? EMPTY : Buffer.from('\r\n', 'latin1');
    this.#t.count(out.length);
    this.#t.resetLine();
    return out;
  }

  get bytesOut(): number {
    return this.#t.bytesOut;
  }

  reset(): void {
    this.#t.resetAll();
  }
}
