/**
 * Incremental, bounded SMTP reply parser: bytes in (split anywhere), complete replies out.
 *
 * Why bounded: a server (or anything pretending to be one) can send a line that never ends or a multiline
 * reply that never finishes; both are rejected as soon as they pass the limits, so memory stays at about
 * maxLineBytes for a partial line and maxLines * maxLineBytes for a reply.
 * Why strict: a line that is not "ddd" + (' ' | '-' | end) means we are out of sync with the server, and
 * guessing would pair the wrong reply with the wrong command. After an error the parser stays poisoned
 * until reset(), so a caller cannot accidentally keep reading from a broken stream.
 */

import { SmtpError } from '../errors.js';
import { replyOwning, type Reply } from './reply.js';
import { quoteForError } from './quote.js';

export interface ReplyParserLimits {
  /** Longest accepted line, line end included. Default 8192. */
  maxLineBytes?: number;
  /** Most lines in one reply. Default 512. */
  maxLines?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DASH = 0x2d;
const ZERO = 0x30;

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function positiveLimit(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new SmtpError('ECONFIG', `ReplyParser: ${name} must be an integer >= ${min}`, { transient: false });
  }
  return value;
}

export class ReplyParser {
  readonly #maxLineBytes: number;
  readonly #maxLines: number;
  /** Pieces of an unfinished line (copies: the caller may reuse its chunk). */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Code and texts of an unfinished multiline reply; code 0 = none. */
  #code = 0;
  #lines: string[] = [];
  #poison: string | undefined;
  /** An error met after some replies of the same chunk were complete; see takeFailure(). */
  #deferred: SmtpError | undefined;

  constructor(limits: ReplyParserLimits = {}) {
    // 5 = "ddd" + CRLF: anything smaller could never hold a reply line.
    this.#maxLineBytes = positiveLimit('maxLineBytes', limits.maxLineBytes, 8192, 5);
    this.#maxLines = positiveLimit('maxLines', limits.maxLines, 512, 1);
  }

  /** Bytes held of an unfinished line. */
  get bufferedBytes(): number {
    return this.#partialBytes;
  }

  /** True while a partial line or an unfinished multiline reply is held. */
  get pending(): boolean {
    return this.#partialBytes > 0 || this.#code !== 0;
  }

  /**
   * Hands over the bytes of an unfinished line and forgets them (for a caller that continues the stream with
   * another reader); undefined when none. Not possible inside a multiline reply: its earlier lines are parsed.
   */
  takeUnfinishedLine(): Buffer | undefined {
    if (this.#code !== 0 || this.#poison !== undefined) throw new SmtpError('EPROTOCOL', 'reply parser is inside a reply', { transient: false });
    if (this.#partialBytes === 0) return undefined;
    const bytes = Buffer.concat(this.#partial, this.#partialBytes);
    this.#partial = [];
    this.#partialBytes = 0;
    return bytes;
  }

  /** Forget everything, including a previous error. */
  reset(): void {
    this.#partial = [];
    this.#partialBytes = 0;
    this.#code = 0;
    this.#lines = [];
    this.#poison = undefined;
    this.#deferred = undefined;
  }

  /**
   * Every reply completed by this chunk, in order. Malformed input throws SmtpError EPROTOCOL, except when
   * replies completed earlier in the same chunk: those are returned (they were whole and well-formed before
   * the junk, e.g. a 250 to the final dot) and the error waits in takeFailure(). Either way the parser is
   * poisoned: the next push throws until reset().
   */
  push(chunk: Uint8Array): Reply[] {
    const out: Reply[] = [];
    try {
      this.#push(chunk, out);
    } catch (error) {
      if (out.length === 0 || !SmtpError.is(error)) throw error;
      this.#deferred = error;
    }
    return out;
  }

  /** The error that ended the last push after it had completed some replies (then cleared), if any. */
  takeFailure(): SmtpError | undefined {
    const failure = this.#deferred;
    this.#deferred = undefined;
    return failure;
  }

  #push(chunk: Uint8Array, out: Reply[]): void {
    if (this.#poison !== undefined) {
      throw new SmtpError('EPROTOCOL', `reply parser stopped after an earlier error (${this.#poison}); reset() first`, {
        transient: false,
      });
    }
    const buf = toBuffer(chunk);
    const end = buf.length;
    let start = 0;
    while (start < end) {
      const lf = buf.indexOf(LF, start);
      if (lf === -1) {
        this.#hold(buf, start, end);
        break;
      }
      if (this.#partialBytes === 0) {
        // Fast path: the whole line is inside this chunk, parse it in place.
        if (lf + 1 - start > this.#maxLineBytes) this.#tooLong();
        this.#line(buf, start, lf, out);
      } else {
        const total = this.#partialBytes + (lf + 1 - start);
        if (total > this.#maxLineBytes) this.#tooLong();
        this.#partial.push(buf.subarray(start, lf + 1));
        const line = Buffer.concat(this.#partial, total);
        this.#partial = [];
        this.#partialBytes = 0;
        this.#line(line, 0, total - 1, out);
      }
      start = lf + 1;
    }
  }

  #hold(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    // Reject as soon as a line end can no longer fit, without waiting for it (or for memory to run out).
    if (this.#partialBytes + n >= this.#maxLineBytes) this.#tooLong();
    this.#partial.push(Buffer.from(buf.subarray(start, end)));
    this.#partialBytes += n;
  }

  /** One line, `lf` is the index of its LF; a CR before it is dropped. */
  #line(buf: Buffer, start: number, lf: number, out: Reply[]): void {
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    const len = end - start;
    const d0 = (buf[start] ?? 0) - ZERO;
    const d1 = (buf[start + 1] ?? 0) - ZERO;
    const d2 = (buf[start + 2] ?? 0) - ZERO;
    const sep = len > 3 ? buf[start + 3] : SP;
    if (len < 3 || d0 < 2 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (sep !== SP && sep !== DASH)) {
      this.#malformed('malformed reply line', buf, start, end);
    }
    const code = d0 * 100 + d1 * 10 + d2;
    if (this.#code !== 0 && code !== this.#code) {
      this.#malformed(`reply code changed from ${this.#code} inside a multiline reply`, buf, start, end);
    }
    // Non-fatal UTF-8: SMTPUTF8 servers send UTF-8; anything invalid becomes U+FFFD rather than an error.
    const text = len > 4 ? buf.toString('utf8', start + 4, end) : '';
    if (sep === DASH) {
      if (this.#lines.length + 1 >= this.#maxLines) {
        this.#fail(`multiline reply longer than ${this.#maxLines} lines`);
      }
      this.#code = code;
      this.#lines.push(text);
      return;
    }
    if (this.#code === 0) {
      out.push(replyOwning(code, [text]));
      return;
    }
    this.#lines.push(text);
    out.push(replyOwning(code, this.#lines));
    this.#code = 0;
    this.#lines = [];
  }

  #tooLong(): never {
    this.#fail(`reply line longer than ${this.#maxLineBytes} bytes`);
  }

  #malformed(what: string, buf: Buffer, start: number, end: number): never {
    // Decode only what we quote: the line may be up to maxLineBytes of junk.
    const sample = buf.toString('utf8', start, Math.min(end, start + 400));
    this.#fail(`${what}: ${quoteForError(sample, 100)}`);
  }

  #fail(message: string): never {
    this.#poison = message;
    this.#partial = [];
    this.#partialBytes = 0;
    this.#code = 0;
    this.#lines = [];
    throw new SmtpError('EPROTOCOL', message, { transient: false });
  }
}
