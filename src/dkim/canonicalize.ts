/**
 * DKIM canonicalization, RFC 6376 section 3.4: pure functions over bytes, no I/O.
 *
 * Headers are handled as latin1 strings (one char per byte), so 8-bit header bytes pass through unchanged
 * and nothing is decoded. Bodies go through BodyCanonicalizer, a streaming state machine: the body hash has
 * to cover a 25 MB attachment without holding it, and chunk boundaries may fall anywhere (inside a CRLF, a
 * run of spaces, or the trailing empty lines that canonicalization drops).
 *
 * The body is read as it will go on the wire: every bare CR and bare LF counts as a line end (the session
 * turns each into CRLF, see protocol/dot-stuffer.ts), and dot-stuffing is not applied (it is undone by the
 * receiver before verification).
 */

export type Canon = 'simple' | 'relaxed';

/** Every CR or LF that is not part of a CRLF pair becomes CRLF, as the session sends it. */
export function normalizeLineEnds(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\r\n');
}

/**
 * One header field (name, colon, value, continuation lines, final CRLF) in canonical form, final CRLF
 * included. `field` is a latin1 string already CRLF-normalised.
 */
export function canonicalizeHeader(field: string, canon: Canon): string {
  if (canon === 'simple') return field;
  const colon = field.indexOf(':');
  const name = (colon === -1 ? field : field.slice(0, colon)).replace(/[ \t]+$/, '').toLowerCase();
  const value = colon === -1 ? '' : field.slice(colon + 1);
  // 3.4.2: unfold, collapse WSP runs to one SP, drop WSP at the end and at the start of the value. Only SP
  // and HTAB are WSP: String.prototype.trim would also eat 0xA0 (a latin1 no-break space) and others.
  const unfolded = value.replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').replace(/^ /, '').replace(/ $/, '');
  return `${name}:${unfolded}\r\n`;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const CRLF = Buffer.from('\r\n', 'latin1');
const OUT_SIZE = 64 * 1024;
const TWO_SPACES = Buffer.from('  ', 'latin1');

/** Where the next CR, HTAB and double space are in the current chunk (-2: not searched yet, -1: none). */
interface Scan {
  cr: number;
  tab: number;
  spaces: number;
}

/**
 * The body in canonical form, chunk by chunk. `push` and `end` hand the output to `sink` in pieces; a piece
 * is a view into a reused buffer, valid only during the call (hash.update copies, which is the use).
 */
export class BodyCanonicalizer {
  readonly #relaxed: boolean;
  readonly #sink: (bytes: Buffer) => void;
  readonly #out = Buffer.allocUnsafe(OUT_SIZE);
  #used = 0;
  /** The last chunk ended with CR: an LF opening the next one completes that line end. */
  #afterCR = false;
  /** The current line has content already written. */
  #lineHasContent = false;
  /** Empty lines seen since the last content: written only if more content follows (trailing ones are dropped). */
  #emptyLines = 0;
  /** relaxed: a run of WSP seen inside the line, written as one SP only if content follows on the same line. */
  #pendingSpace = false;
  /** Anything at all was written (simple canonicalization turns an empty body into one CRLF). */
  #wroteAny = false;

  constructor(canon: Canon, sink: (bytes: Buffer) => void) {
    this.#relaxed = canon === 'relaxed';
    this.#sink = sink;
  }

  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = bytes.length;
    let i = 0;
    if (this.#afterCR && n > 0) {
      this.#afterCR = false;
      if (bytes[0] === LF) i = 1; // the other half of a CRLF split by the chunk boundary
    }
    const scan: Scan = { cr: -2, tab: -2, spaces: -2 };
    while (i < n) {
      // Whole lines that canonicalization leaves as they are pass straight through (most of a message:
      // base64 and quoted-printable lines); the byte loop takes the rest one line at a time.
      if (!this.#lineHasContent && !this.#pendingSpace) {
        i = this.#cleanLines(bytes, i, scan);
        if (i >= n) break;
      }
      const lf = bytes.indexOf(LF, i);
      const end = lf === -1 ? n : lf + 1;
      this.#bytes(bytes, i, end);
      i = end;
    }
  }

  /**
   * From a line start: consumes lines that end in CRLF and need no change (no bare CR; relaxed: no HTAB, no
   * two spaces in a row, no space before the CRLF), handing them to the sink as slices of the input.
   * Empty lines are counted, as the byte loop does. Returns where it stopped (a line start).
   */
  #cleanLines(bytes: Buffer, from: number, scan: Scan): number {
    const relaxed = this.#relaxed;
    let i = from;
    let run = from;
    for (;;) {
      const lf = bytes.indexOf(LF, i);
      if (lf === -1 || lf === i || bytes[lf - 1] !== CR) break;
      if (lf - 1 === i) {
        this.#emit(bytes, run, i);
        this.#emptyLines++;
        i = lf + 1;
        run = i;
        continue;
      }
      if (scan.cr < i) scan.cr = bytes.indexOf(CR, i);
      if (scan.cr < lf - 1) break;
      if (relaxed) {
        if (bytes[lf - 2] === SP) break;
        if (scan.tab !== -1 && scan.tab < i) scan.tab = bytes.indexOf(HTAB, i);
        if (scan.tab !== -1 && scan.tab < lf) break;
        if (scan.spaces !== -1 && scan.spaces < i) scan.spaces = bytes.indexOf(TWO_SPACES, i);
        if (scan.spaces !== -1 && scan.spaces < lf) break;
      }
      if (this.#emptyLines > 0) {
        this.#emit(bytes, run, i);
        this.#flushEmptyLines();
        run = i;
      }
      i = lf + 1;
    }
    this.#emit(bytes, run, i);
    return i;
  }

  /** Input bytes [from, to) unchanged, after whatever is waiting in the output buffer. */
  #emit(bytes: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.#flush();
    this.#wroteAny = true;
    this.#sink(bytes.subarray(from, to));
  }

  /** The byte-at-a-time state machine over [from, to). */
  #bytes(chunk: Buffer, from: number, to: number): void {
    const relaxed = this.#relaxed;
    const out = this.#out;
    for (let i = from; i < to; i++) {
      const b = chunk[i] as number;
      if (b === CR) {
        this.#lineEnd();
        if (i + 1 === chunk.length) this.#afterCR = true;
        else if (chunk[i + 1] === LF) i++;
        continue;
      }
      if (b === LF) {
        this.#lineEnd();
        continue;
      }
      if (relaxed && (b === SP || b === HTAB)) {
        this.#pendingSpace = true;
        continue;
      }
      if (this.#emptyLines > 0) this.#flushEmptyLines();
      if (this.#used + 2 > OUT_SIZE) this.#flush();
      if (this.#pendingSpace) {
        out[this.#used++] = SP;
        this.#pendingSpace = false;
      }
      out[this.#used++] = b;
      this.#lineHasContent = true;
    }
  }

  /** The body is complete: writes what canonicalization adds at the end, then flushes. */
  end(): void {
    this.#afterCR = false;
    // A last line without a line end gets one (3.4.3 and 3.4.4); trailing WSP and empty lines are dropped.
    if (this.#lineHasContent) this.#lineEnd();
    if (!this.#relaxed && !this.#wroteAny) this.#write(CRLF);
    this.#emptyLines = 0;
    this.#flush();
  }

  #lineEnd(): void {
    this.#pendingSpace = false;
    if (!this.#lineHasContent) {
      this.#emptyLines++;
      return;
    }
    this.#lineHasContent = false;
    this.#write(CRLF);
  }

  #flushEmptyLines(): void {
    for (; this.#emptyLines > 0; this.#emptyLines--) this.#write(CRLF);
  }

  #write(bytes: Buffer): void {
    if (this.#used + bytes.length > OUT_SIZE) this.#flush();
    bytes.copy(this.#out, this.#used);
    this.#used += bytes.length;
    this.#wroteAny = true;
  }

  #flush(): void {
    if (this.#used > 0) {
      this.#wroteAny = true;
      this.#sink(this.#out.subarray(0, this.#used));
    }
    this.#used = 0;
  }
}

/** The canonical form of a whole body (tests, small messages). */
export function canonicalizeBody(body: Uint8Array, canon: Canon): Buffer {
  const parts: Buffer[] = [];
  const c = new BodyCanonicalizer(canon, (bytes) => parts.push(Buffer.from(bytes)));
  c.push(body);
  c.end();
  return Buffer.concat(parts);
}
