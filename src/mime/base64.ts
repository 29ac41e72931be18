/**
 * Base64 body encoding (RFC 2045 section 6.8): 76-character lines joined by CRLF.
 *
 * Output convention shared by every body encoder here: lines are *separated* by CRLF and the last line
 * has none, because the MIME delimiter that follows a body begins with its own CRLF. That keeps the byte
 * count a pure function of the input length (see base64EncodedLength), which is what lets us announce
 * SIZE before reading a file.
 */

/** Input bytes per 76-character output line. */
const LINE_BYTES = 57;
const LINE_CHARS = 76;

/** Exact length of encodeBase64Lines(n bytes). */
export function base64EncodedLength(n: number): number {
  if (n <= 0) return 0;
  const chars = 4 * Math.ceil(n / 3);
  const lines = Math.ceil(chars / LINE_CHARS);
  return chars + 2 * (lines - 1);
}

/**
 * Encodes whole lines. `block.length` need not be a multiple of 57: the last line is then short and
 * padded. `leadingBreak` puts a CRLF before the first line (used when continuing a body).
 */
function encodeLines(block: Buffer, leadingBreak: boolean): Buffer {
  if (block.length === 0) return Buffer.alloc(0);
  const text = block.toString('base64');
  const n = text.length;
  const lead = leadingBreak ? 2 : 0;
  const lines = Math.ceil(n / LINE_CHARS);
  const out = Buffer.allocUnsafe(n + 2 * (lines - 1) + lead);
  // Write the text once, then spread the lines out in place, last line first (copyWithin is a memmove,
  // and each destination lies at or after its source): one pass over memory instead of copying each line
  // from a second buffer, and no intermediate buffer for the garbage collector.
  out.write(text, 0, 'latin1');
  for (let i = lines - 1; i >= 0; i--) {
    const src = i * LINE_CHARS;
    const dst = i * (LINE_CHARS + 2) + lead;
    if (dst !== src) out.copyWithin(dst, src, Math.min(n, src + LINE_CHARS));
    if (dst >= 2) {
      out[dst - 2] = 13;
      out[dst - 1] = 10;
    }
  }
  return out;
}

/** One-shot base64 with line breaks. */
export function encodeBase64Lines(data: Uint8Array): Buffer {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return encodeLines(buf, false);
}

/**
 * Streaming base64: push() arbitrary chunks, end() once. Holds at most 56 input bytes between calls,
 * so memory stays constant however large the input is.
 */
export class Base64Encoder {
  #carry: Buffer = Buffer.alloc(0);
  #started = false;
  /** Input bytes consumed so far. */
  bytesIn = 0;

  push(chunk: Uint8Array): Buffer {
    this.bytesIn += chunk.length;
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const data = this.#carry.length === 0 ? input : Buffer.concat([this.#carry, input]);
    const whole = data.length - (data.length % LINE_BYTES);
    // Copy the tail: the caller may reuse its chunk buffer after we return.
    this.#carry = Buffer.from(data.subarray(whole));
    if (whole === 0) return Buffer.alloc(0);
    const out = encodeLines(data.subarray(0, whole), this.#started);
    this.#started = true;
    return out;
  }

  end(): Buffer {
    const out = encodeLines(this.#carry, this.#started);
    if (this.#carry.length > 0) this.#started = true;
    this.#carry = Buffer.alloc(0);
    return out;
  }
}
