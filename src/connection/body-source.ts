/** A message body in whatever form the caller has it, seen as chunks of bytes plus what is known up front. */
import { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import { LineEndingNormalizer } from '../protocol/dot-stuffer.js';

/** Something that can produce the message again (a composed message), so retries resend the same bytes. */
export interface ReplayableBody {
  open(): Readable;
  size?: number;
  eightBit?: boolean;
  needsSmtpUtf8?: boolean;
}

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
}

export function describeBody(body: MessageBody): BodyInfo {
  if (typeof body === 'string') body = Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) {
    // Normalised up front so SIZE= states the size actually transmitted (RFC 1870 counts CRLF line ends).
    const bytes = normalize(body);
    return { bytes, size: bytes.byteLength, eightBit: !isAscii(bytes), chunks: () => single(bytes) };
  }
  if (body instanceof Readable) {
    const stream = body;
    return { eightBit: false, chunks: () => stream };
  }
  const replayable = body;
  const info: BodyInfo = { eightBit: replayable.eightBit ?? false, chunks: () => replayable.open() };
  if (replayable.size !== undefined) info.size = replayable.size;
  return info;
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
