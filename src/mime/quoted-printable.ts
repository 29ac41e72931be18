/**
 * Quoted-printable body encoding (RFC 2045 section 6.7) for text parts, streaming-safe.
 *
 * Line breaks in the input (CRLF, lone LF, lone CR) become hard CRLF breaks: text/* is canonically CRLF.
 * Encoded lines are at most 76 characters ("=" soft break included). A soft break is never placed inside
 * an =XX escape nor inside the escapes of one UTF-8 character, so a reader that decodes line by line
 * still sees whole characters. Trailing space/tab before a hard break (or at the end) is escaped, since
 * transports may strip it. State is kept across push() calls, so any split of the input gives the same
 * bytes as one call.
 */

const MAX_CONTENT = 75; // characters before the "=" of a soft break
const HEX = '0123456789ABCDEF';
const EQ = 0x3d;
const CR = 0x0d;
const LF = 0x0a;

/** Bytes a UTF-8 sequence starting with `lead` should have; 1 for ASCII and for stray bytes. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

export class QuotedPrintableEncoder {
  #lineLen = 0;
  #pendingWs = -1; // a space or tab whose encoding depends on what follows
  #afterCr = false; // the previous byte was CR: a following LF belongs to the same break
  #unit: number[] = []; // bytes of an incomplete UTF-8 sequence
  #unitNeed = 0;
  #out: Buffer = Buffer.alloc(0);
  #pos = 0;

  push(chunk: Uint8Array): Buffer {
    this.#reserve(chunk.length);
    for (let i = 0; i < chunk.length; i++) this.#byte(chunk[i] as number);
    return this.#take();
  }

  end(): Buffer {
    this.#reserve(0);
    this.#flushUnit();
    this.#flushWsAtEol();
    return this.#take();
  }

  #reserve(n: number): void {
    // Worst case: 3 output chars per byte, a 3-char soft break per <= 72 chars, plus pending state.
    const need = Math.ceil((n + 8) * 3 * 1.1) + 16;
    this.#out = Buffer.allocUnsafe(need);
    this.#pos = 0;
  }

  #take(): Buffer {
    return this.#out.subarray(0, this.#pos);
  }

  #byte(b: number): void {
    if (this.#afterCr) {
      this.#afterCr = false;
      if (b === LF) return;
    }
    if (this.#unitNeed > 0) {
      if (b >= 0x80 && b <= 0xbf) {
        this.#unit.push(b);
        if (this.#unit.length === this.#unitNeed) this.#flushUnit();
        return;
      }
      this.#flushUnit(); // truncated sequence: emit what we have, then handle b on its own
    }
    if (b === CR || b === LF) {
      this.#hardBreak();
      this.#afterCr = b === CR;
      return;
    }
    if (b === 0x20 || b === 0x09) {
      this.#flushWsLiteral();
      this.#pendingWs = b;
      return;
    }
    this.#flushWsLiteral();
    if (b >= 0x21 && b <= 0x7e && b !== EQ) {
      this.#fit(1);
      this.#out[this.#pos++] = b;
      this.#lineLen += 1;
      return;
    }
    const need = sequenceLength(b);
    if (need === 1) {
      this.#escapes([b]);
      return;
    }
    this.#unit = [b];
    this.#unitNeed = need;
  }

  #hardBreak(): void {
    this.#flushUnit();
    this.#flushWsAtEol();
    this.#out[this.#pos++] = CR;
    this.#out[this.#pos++] = LF;
    this.#lineLen = 0;
  }

  #flushUnit(): void {
    if (this.#unitNeed === 0) return;
    const unit = this.#unit;
    this.#unit = [];
    this.#unitNeed = 0;
    this.#escapes(unit);
  }

  /** A pending space/tab followed by more text on the same line stays literal. */
  #flushWsLiteral(): void {
    if (this.#pendingWs === -1) return;
    this.#fit(1);
    this.#out[this.#pos++] = this.#pendingWs;
    this.#lineLen += 1;
    this.#pendingWs = -1;
  }

  /** A pending space/tab at the end of a line is escaped. */
  #flushWsAtEol(): void {
    if (this.#pendingWs === -1) return;
    const ws = this.#pendingWs;
    this.#pendingWs = -1;
    this.#escapes([ws]);
  }

  /** Writes the =XX escapes of `bytes` as one unbreakable run. */
  #escapes(bytes: number[]): void {
    this.#fit(bytes.length * 3);
    for (const b of bytes) {
      this.#out[this.#pos++] = EQ;
      this.#out[this.#pos++] = HEX.charCodeAt(b >> 4);
      this.#out[this.#pos++] = HEX.charCodeAt(b & 15);
    }
    this.#lineLen += bytes.length * 3;
  }

  /** Inserts a soft break if `width` more characters would not fit on the current line. */
  #fit(width: number): void {
    if (this.#lineLen + width <= MAX_CONTENT) return;
    this.#out[this.#pos++] = EQ;
    this.#out[this.#pos++] = CR;
    this.#out[this.#pos++] = LF;
    this.#lineLen = 0;
  }
}

/** One-shot quoted-printable. */
export function encodeQuotedPrintable(data: Uint8Array): Buffer {
  const enc = new QuotedPrintableEncoder();
  return Buffer.concat([enc.push(data), enc.end()]);
}
