/** A message body in whatever form the caller has it, seen as chunks of bytes plus what is known up front. */
import { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import { LineEndingNormalizer } from '../protocol/dot-stuffer.js';
import { isMarkedCrlfOnly } from '../protocol/crlf-bytes.js';
import { SmtpError } from '../errors.js';

/** Something that can produce the message again (a composed message), so retries resend the same bytes. */
export interface ReplayableBody {
  /** A fresh stream of the same bytes, each time it is called. */
  open(): Readable;
  size?: number;
  eightBit?: boolean;
  needsSmtpUtf8?: boolean;
}

/** The bytes of a message: a Buffer, a string, a Readable (read once), or a body that can be replayed on retry. */
export type MessageBody = string | Uint8Array | Readable | ReplayableBody;

export interface BodyInfo {
  /**
   * In-memory bytes when the body is small and already in memory (lets BDAT go in one flight): always
   * CRLF-only and ending with CRLF (or empty), which the DATA path relies on to stuff dots in one search.
   */
  bytes?: Uint8Array;
  /** Exact size when known before sending (for SIZE=). */
  size?: number;
  /** True when the body is known to contain bytes over 127 (needs BODY=8BITMIME). */
  eightBit: boolean;
  chunks(): AsyncIterable<Uint8Array>;
  /** Ends a streamed body that is being read (its pending read then fails); absent for bytes in memory. */
  destroy?(error: Error): void;
}

export function describeBody(body: MessageBody): BodyInfo {
  if (typeof body === 'string') body = Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) {
    // Normalised up front so SIZE= states the size actually transmitted (RFC 1870 counts CRLF line ends).
    // A composed message is CRLF-only already (marked by the composer's hand-over): not scanned again.
    const bytes = isMarkedCrlfOnly(body) ? body : normalize(body);
    return new InMemoryBody(bytes);
  }
  if (body instanceof Readable) {
    const stream = body;
    return { eightBit: false, chunks: () => checked(stream), destroy: (error) => stream.destroy(error) };
  }
  const replayable = body;
  let opened: Readable | undefined;
  const info: BodyInfo = {
    eightBit: replayable.eightBit ?? false,
    chunks: () => checked((opened = replayable.open())),
    destroy: (error) => opened?.destroy(error),
  };
  if (replayable.size !== undefined) info.size = replayable.size;
  return info;
}

/** Bytes in memory: one object with a method, not a record with a closure over a context per message. */
class InMemoryBody implements BodyInfo {
  readonly bytes: Uint8Array;
  readonly size: number;
  readonly eightBit: boolean;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.size = bytes.byteLength;
    this.eightBit = !isAscii(bytes);
  }
  chunks(): AsyncIterable<Uint8Array> {
    return single(this.bytes);
  }
}

/**
 * A caller's stream may be in object mode and yield anything. A chunk that is not bytes or text fails the send
 * (EMESSAGE, before the end of data, so nothing is delivered) instead of reaching Buffer code that throws.
 */
async function* checked(stream: Readable): AsyncIterable<Uint8Array> {
  for await (const chunk of stream) yield asBodyBytes(chunk);
}

/** One chunk of a caller's body stream as bytes: Buffer/Uint8Array as they are, text as UTF-8, else EMESSAGE. */
export function asBodyBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  const kind = chunk === null ? 'null' : Array.isArray(chunk) ? 'an array' : typeof chunk;
  throw new SmtpError('EMESSAGE', `The message body stream yielded ${kind}; expected Buffer, Uint8Array or string chunks`, {
    phase: 'data',
    transient: false,
    delivery: 'none',
  });
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function normalize(bytes: Uint8Array): Uint8Array {
  const normalizer = new LineEndingNormalizer();
  const head = normalizer.push(bytes);
  const tail = normalizer.end();
  return tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
}
