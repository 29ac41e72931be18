/**
 * The MIME tree of a prepared message and the generator that writes it.
 *
 * Layout (RFC 2046): a part is its header lines, an empty line, and its body. A multipart body is
 * `--B CRLF part (CRLF --B CRLF part)* CRLF --B--`; every body ends without a line break because the
 * CRLF before a delimiter belongs to the delimiter. The message ends with exactly one CRLF.
 *
 * Bodies held in memory are written synchronously; file and stream bodies are marked and streamed by
 * the async driver in compose.ts, base64-encoded chunk by chunk, so a large file never sits in memory
 * (the exception is a message/rfc822 attachment, which is checked, not encoded: embedded-message.ts).
 */

import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { guardError } from '../errors.js';
import { Base64Encoder, base64EncodedLength } from './base64.js';

export type BodySource =
  /** Bytes that are already transfer-encoded (text parts, and message/rfc822 bodies as 7bit/8bit). */
  | { kind: 'encoded'; data: Buffer }
  /** Raw bytes, base64-encoded while writing. */
  | { kind: 'base64'; data: Buffer }
  /** A file, base64-encoded while streaming; `size` from stat at prepare time. */
  | { kind: 'file'; path: string; size: number; field: string }
  /** A caller's stream, base64-encoded while streaming; can be read once. */
  | { kind: 'stream'; stream: Readable; field: string };

export interface LeafPart {
  kind: 'leaf';
  headers: Buffer;
  body: BodySource;
}

export interface MultiPart {
  kind: 'multipart';
  headers: Buffer;
  boundary: string;
  children: Part[];
}

export type Part = LeafPart | MultiPart;

/** A body the async driver must stream (a file or a stream), in place in the output sequence. */
export type StreamedBody = Extract<BodySource, { kind: 'file' | 'stream' }>;

const CRLF = Buffer.from('\r\n');

function bodySize(body: BodySource): number | undefined {
  switch (body.kind) {
    case 'encoded':
      return body.data.length;
    case 'base64':
      return base64EncodedLength(body.data.length);
    case 'file':
      return base64EncodedLength(body.size);
    case 'stream':
      return undefined;
  }
}

/** Exact byte count of writePart(part), or undefined when a stream body makes it unknowable. */
export function partSize(part: Part): number | undefined {
  let size = part.headers.length + 2;
  if (part.kind === 'leaf') {
    const b = bodySize(part.body);
    return b === undefined ? undefined : size + b;
  }
  const delim = part.boundary.length + 2; // "--B"
  part.children.forEach((child, i) => {
    size += (i === 0 ? 0 : 2) + delim + 2; // [CRLF] --B CRLF
  });
  size += 2 + delim + 2; // CRLF --B--
  for (const child of part.children) {
    const s = partSize(child);
    if (s === undefined) return undefined;
    size += s;
  }
  return size;
}

/** Bytes of in-memory data per base64 slice, a multiple of 57 (one 76-character line). */
const SLICE = 57 * 1149;

/** Writes a part: Buffers, with a StreamedBody marker where a file/stream body goes. */
export function* writePart(part: Part): Generator<Buffer | StreamedBody> {
  yield part.headers;
  yield CRLF;
  if (part.kind === 'leaf') {
    const body = part.body;
    if (body.kind === 'encoded') {
      yield body.data;
    } else if (body.kind === 'base64') {
      // Slices keep each output chunk near 64 KiB; the encoder carries line state across them.
      const enc = new Base64Encoder();
      for (let at = 0; at < body.data.length; at += SLICE) yield enc.push(body.data.subarray(at, at + SLICE));
      yield enc.end();
    } else {
      yield body;
    }
    return;
  }
  for (const [i, child] of part.children.entries()) {
    yield Buffer.from(`${i === 0 ? '' : '\r\n'}--${part.boundary}\r\n`, 'latin1');
    yield* writePart(child);
  }
  yield Buffer.from(`\r\n--${part.boundary}--`, 'latin1');
}

/** True when the last body written by writePart(part) ends with CRLF (only an encoded leaf can). */
export function endsWithCrlf(part: Part): boolean {
  if (part.kind !== 'leaf' || part.body.kind !== 'encoded') return false;
  const d = part.body.data;
  return d.length >= 2 && d[d.length - 2] === 0x0d && d[d.length - 1] === 0x0a;
}

/** A chunk of a caller's stream as bytes: strings are UTF-8; anything else is refused. */
export function chunkBytes(chunk: unknown, field: string): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  throw guardError(`${field}: the stream produced a chunk that is not bytes or a string`);
}

/** Base64-encodes a streamed body chunk by chunk. Pull-based: reads the next chunk only when asked. */
export async function* streamBody(source: AsyncIterable<unknown>, field: string, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const enc = new Base64Encoder();
  for await (const chunk of source) {
    const buf = chunkBytes(chunk, field);
    onBytes(buf.length);
    const out = enc.push(buf);
    if (out.length > 0) yield out;
  }
  const tail = enc.end();
  if (tail.length > 0) yield tail;
}

/**
 * Reads a file in 64 KiB chunks into ONE reused buffer. Safe because streamBody encodes each chunk
 * before asking for the next (the encoder copies the few bytes it carries), and it halves the garbage a
 * large attachment leaves behind compared with fs.createReadStream's fresh buffer per read.
 */
export async function* readFileChunks(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
