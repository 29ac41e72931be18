/**
 * The message body across the attempts of one send. A composed message can be opened again (same bytes, same
 * Message-ID); a caller's stream can be read once, so a retry is possible only if the failed attempt never
 * read it. Bodies of unknown size are capped while they stream (guards.maxMessageBytes).
 */
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { SmtpError } from '../errors.js';
import { describeLineProblem, LineLimits } from '../protocol/line-limits.js';
import type { MessageBody } from '../connection/transaction.js';
import { asBodyBytes, type ReplayableBody } from '../connection/body-source.js';
import type { PreparedMessage } from '../mime/compose.js';

/** Hands the body to each attempt (see the file comment). */
export class BodyHandle {
  readonly #source: PreparedMessage | string | Uint8Array | Readable;
  readonly #maxBytes: number;
  #opened = false;

  constructor(source: PreparedMessage | string | Uint8Array | Readable, maxBytes: number) {
    this.#source = source;
    this.#maxBytes = maxBytes;
    if (isPrepared(source) && source.size !== undefined && source.size > maxBytes) {
      throw new SmtpError('EGUARD', `The message is ${source.size} bytes, over guards.maxMessageBytes (${maxBytes})`, { phase: 'compose', transient: false });
    }
  }

  get canReplay(): boolean {
    if (isPrepared(this.#source)) return this.#source.replayable || !this.#opened;
    return !(this.#source instanceof Readable) || !this.#opened;
  }

  next(): MessageBody {
    const source = this.#source;
    const max = this.#maxBytes;
    if (typeof source === 'string' || source instanceof Uint8Array) {
      const size = typeof source === 'string' ? Buffer.byteLength(source) : source.byteLength;
      if (size > max) throw new SmtpError('EGUARD', `The message is ${size} bytes, over guards.maxMessageBytes (${max})`, { phase: 'compose', transient: false });
      return source;
    }
    if (source instanceof Readable) {
      // A caller's raw stream: nobody checked its lines (a composed message is built within the limits).
      return { open: () => this.#open(() => source, new LineLimits()) };
    }
    const body: ReplayableBody = { open: () => this.#open(() => source.open()), eightBit: source.eightBit, needsSmtpUtf8: source.needsSmtpUtf8 };
    if (source.size !== undefined) body.size = source.size;
    return body;
  }

  #open(make: () => Readable, lines?: LineLimits): Readable {
    this.#opened = true;
    const capped = new ByteCap(this.#maxBytes, lines);
    // Not pipe(): it leaves an error of the source (a caller's attachment stream that fails) without a
    // listener, which crashed the process. pipeline() hands it to `capped`, which the session reads, and
    // destroys the source when the session stops reading.
    pipeline(make(), capped, ignore);
    return capped;
  }
}

/**
 * Fails the stream with EGUARD once more than `max` bytes have passed (for bodies of unknown size). Its
 * writable side is in object mode: a caller's object-mode stream may hand it anything, and a byte-mode
 * writable throws ERR_INVALID_ARG_TYPE from inside the source's 'data' event, outside every promise (a
 * process crash). Here such a chunk fails the stream with EMESSAGE instead.
 */
class ByteCap extends Transform {
  #seen = 0;
  readonly #max: number;
  readonly #lines: LineLimits | undefined;
  constructor(max: number, lines?: LineLimits) {
    super({ writableObjectMode: true });
    this.#max = max;
    this.#lines = lines;
  }
  override _transform(input: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    let chunk: Uint8Array;
    try {
      chunk = asBodyBytes(input);
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.#seen += chunk.byteLength;
    if (this.#seen > this.#max) {
      callback(new SmtpError('EGUARD', `The message is over guards.maxMessageBytes (${this.#max})`, { phase: 'data', transient: false }));
      return;
    }
    // Checked before the chunk is passed on: a NUL or an over-long line never reaches the wire.
    const problem = this.#lines?.push(chunk);
    if (problem) {
      callback(new SmtpError('EGUARD', `body: ${describeLineProblem(problem)}`, { phase: 'data', transient: false, delivery: 'none' }));
      return;
    }
    callback(null, chunk);
  }
}

function isPrepared(source: unknown): source is PreparedMessage {
  return typeof source === 'object' && source !== null && typeof (source as PreparedMessage).open === 'function' && 'messageId' in source;
}

function ignore(): void {}
