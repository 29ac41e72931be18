/**
 * BdatChunker: message content in, BDAT chunks out (RFC 3030). Pure: bytes in, values out.
 *
 * Content is CRLF-normalised as it passes (the same rule as DATA, for the same reason: only CRLF ever reaches
 * the wire, see dot-stuffer.ts) and gathered until at least `chunkSize` bytes are held; then they leave as one
 * chunk. end() gives the final chunk, marked LAST, with whatever is left (possibly nothing: "BDAT 0 LAST" is
 * how RFC 3030 ends a message whose content went out in earlier chunks).
 *
 * Why apart from the session: the chunk sizes must match the bytes exactly or the server reads the next
 * command as content. Kept here, that rule is tested on bytes at every split point, with no socket.
 */
import { bdat } from './commands.js';
import { LineEndingNormalizer } from './dot-stuffer.js';

export interface BdatChunk {
  /** "BDAT <size>[ LAST]\r\n": the command that announces `payload`. */
  line: string;
  /** Exactly `size` bytes of content. */
  payload: Buffer;
  size: number;
  last: boolean;
}

export class BdatChunker {
  readonly #chunkSize: number;
  readonly #normalizer = new LineEndingNormalizer();
  #held: Uint8Array[] = [];
  #heldBytes = 0;

  constructor(chunkSize: number) {
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunkSize must be a positive integer');
    this.#chunkSize = chunkSize;
  }

  /** Content bytes out so far (CRLF-normalised), the figure SendResult.messageBytes reports. */
  get bytesOut(): number {
    return this.#normalizer.bytesOut;
  }

  /** Takes content; returns the chunks that are now complete (none, or one holding everything held). */
  push(bytes: Uint8Array): BdatChunk[] {
    const out = this.#normalizer.push(bytes);
    if (out.byteLength === 0) return [];
    this.#held.push(out);
    this.#heldBytes += out.byteLength;
    return this.#heldBytes >= this.#chunkSize ? [this.#take(false)] : [];
  }

  /** The end of the content: the LAST chunk (with a final CRLF added if the content did not end with one). */
  end(): BdatChunk {
    const tail = this.#normalizer.end();
    if (tail.byteLength > 0) {
      this.#held.push(tail);
      this.#heldBytes += tail.byteLength;
    }
    return this.#take(true);
  }

  #take(last: boolean): BdatChunk {
    const payload = Buffer.concat(this.#held, this.#heldBytes);
    this.#held = [];
    this.#heldBytes = 0;
    return { line: bdat(payload.byteLength, last), payload, size: payload.byteLength, last };
  }
}
