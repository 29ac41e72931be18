/**
 * Where the bytes of one message go: counted and dropped (discard), kept in memory (tests), or saved to
 * `<dir>/<timestamp>-<id>.eml`.
 *
 * Files: a small message is collected in memory (slices of the socket chunks, no copy) and written with one
 * synchronous `writeFileSync` when it ends. For a small file that costs less than an async writeFile the
 * session would have to wait for (and much less than a write stream), so the sink keeps up with
 * `mailwire bench` even with `dir` set; blocking the loop for one small write is the cheaper choice
 * (figures: bench/README.md). Past SPILL_BYTES the collected slices go to an `fs.WriteStream` and the rest streams
 * after them, so a 25 MB message is never held in memory. Over the size limit, bytes are no longer kept.
 */

import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';

export type BodyKind = 'discard' | 'memory' | 'file';

export interface BodyResult {
  raw?: Buffer;
  path?: string;
}

/** A discarded message's result: nothing to hand on (one shared object, not one per message). */
const NOTHING: BodyResult = Object.freeze({});

/** The shared empty list of a body that holds no slices (never pushed to: replaced on first use). */
const NO_CHUNKS: Buffer[] = [];

const SPILL_BYTES = 256 * 1024;
const STREAM_HIGH_WATER = 1024 * 1024;

/** '20261121T132234123Z': sortable, and safe in file names on every OS. */
function fileTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

export class MessageBody {
  /** Bytes received so far (stops growing once over the limit). */
  size = 0;
  /** True once the message exceeded the limit; its bytes are dropped from then on. */
  overflow = false;
  readonly id: string;
  readonly path: string | undefined;
  readonly #kind: BodyKind;
  readonly #limit: number;
  /** Slices kept for a memory or file body; none for a discarded one. */
  #chunks: Buffer[] = NO_CHUNKS;
  #held = 0;
  #stream: WriteStream | undefined;
  #streamError: Error | undefined;
  #blocked = false;

  constructor(kind: BodyKind, limit: number, dir: string | undefined, id: string) {
    this.id = id;
    this.#kind = kind;
    this.#limit = limit;
    this.path = kind === 'file' && dir !== undefined ? join(dir, `${fileTimestamp(new Date())}-${id}.eml`) : undefined;
  }

  /** True when the file stream asked us to stop reading the socket until it drains. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Calls `cb` once the file stream has drained (or failed). */
  onDrain(cb: () => void): void {
    const stream = this.#stream;
    if (!stream || !this.#blocked || stream.destroyed) {
      this.#blocked = false;
      return cb();
    }
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      this.#blocked = false;
      cb();
    };
    stream.on('drain', done);
    stream.on('close', done);
  }

  /**
   * Takes buf[start, end). A method, not a per-instance arrow function: one body is made per message, and
   * the session always calls it on the body.
   */
  write(buf: Buffer, start: number, end: number): void {
    if (this.overflow) return;
    const n = end - start;
    if (this.size + n > this.#limit) {
      this.overflow = true;
      this.#release();
      return;
    }
    this.size += n;
    if (this.#kind === 'discard') return;
    const slice = buf.subarray(start, end);
    if (this.#stream) {
      // A failed stream (reported at finish) is not written to, and must not hold the socket.
      if (!this.#stream.destroyed && !this.#stream.write(slice)) this.#blocked = true;
      return;
    }
    if (this.#chunks === NO_CHUNKS) this.#chunks = [slice];
    else this.#chunks.push(slice);
    this.#held += n;
    if (this.#kind === 'file' && this.#held > SPILL_BYTES) this.#spill();
  }

  #spill(): void {
    const stream = createWriteStream(this.path as string, { flags: 'wx', highWaterMark: STREAM_HIGH_WATER });
    stream.on('error', (err) => {
      this.#streamError ??= err;
    });
    this.#stream = stream;
    stream.cork();
    for (const chunk of this.#chunks) stream.write(chunk);
    stream.uncork();
    if (stream.writableNeedDrain) this.#blocked = true;
    this.#chunks = NO_CHUNKS;
    this.#held = 0;
  }

  /** Drop what we hold once the message is known to be refused. */
  #release(): void {
    this.#chunks = NO_CHUNKS;
    this.#held = 0;
  }

  /**
   * Complete the message. Synchronous unless a large message is being streamed to its file; then a
   * promise. Throws / rejects on file system errors so the session can answer 451.
   */
  finish(): BodyResult | Promise<BodyResult> {
    if (this.#kind === 'discard') return NOTHING;
    if (this.#kind === 'memory') {
      const raw = this.#chunks.length === 1 ? Buffer.from(this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#held);
      this.#release();
      return { raw };
    }
    const path = this.path as string;
    const stream = this.#stream;
    if (!stream) {
      const data = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#held);
      this.#release();
      writeFileSync(path, data, { flag: 'wx' });
      return { path };
    }
    if (stream.destroyed) return Promise.reject(this.#streamError ?? new Error('message file stream closed'));
    return new Promise<BodyResult>((resolve, reject) => {
      stream.end(() => {
        if (this.#streamError) reject(this.#streamError);
        else resolve({ path });
      });
      stream.once('error', reject);
    });
  }

  /** The message was saved but then refused (onMessage threw): remove its file. */
  static removeSaved(path: string): Promise<void> {
    return unlink(path).catch(() => {});
  }

  /** Throw the message away (refused, RSET, connection lost): close and delete a partly written file. */
  abort(): Promise<void> {
    this.#release();
    const stream = this.#stream;
    if (!stream) return Promise.resolve();
    this.#stream = undefined;
    return new Promise<void>((resolve) => {
      const remove = (): void => {
        unlink(stream.path as string).then(resolve, () => resolve());
      };
      if (stream.closed) remove();
      else {
        stream.once('close', remove);
        stream.destroy();
      }
    });
  }
}
