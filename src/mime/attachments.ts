/**
 * Turns `attachments[i]` into a leaf part: validates every field, settles where the bytes come from
 * (memory, file, stream, or an https fetch done now), and writes the part headers.
 */

import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { guardError, sourceFailure } from '../errors.js';
import { assertCustomHeaders } from '../guards/headers.js';
import type { ResolvedLimits } from '../guards/limits.js';
import { assertNoControls, printable } from '../guards/text.js';
import { contentTypeFor, DEFAULT_CONTENT_TYPE, parseContentType } from './content-types.js';
import { encodeEmbeddedMessage } from './embedded-message.js';
import { encodeWords } from './encoded-word.js';
import type { HttpsFetcher } from './fetch.js';
import { HeaderBlock } from './header-block.js';
import type { Attachment } from './message.js';
import { ATTACHMENT_KEYS, assertKnownFields } from './message-keys.js';
import { chunkBytes, type BodySource, type LeafPart } from './parts.js';
import { formatParam, isPlainParamValue, isToken, plainParam, quoteString } from './rfc2231.js';

export interface AttachmentContext {
  limits: ResolvedLimits;
  /**
   * Bytes this message may still read into memory (message/rfc822 bodies from files and streams): one
   * budget of maxMessageBytes for the whole message, not one per attachment.
   */
  readBudget: { left: number };
  fetcher: HttpsFetcher;
  disableFileAccess: boolean;
  disableUrlAccess: boolean;
}

export interface PreparedAttachment {
  part: LeafPart;
  /** Has a Content-ID: goes into multipart/related next to the HTML. */
  related: boolean;
  /** Written as 8bit (a message/rfc822 with bytes over 127): the message needs BODY=8BITMIME. */
  eightBit: boolean;
}

function isReadable(value: unknown): value is Readable {
  return value instanceof Readable || (typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function' &&
    typeof (value as Readable)[Symbol.asyncIterator] === 'function');
}

const ENCODINGS: ReadonlyArray<NonNullable<Attachment['encoding']>> = ['base64', 'utf8', 'hex'];

/**
 * `encoding` says how a string `content` is written. A value mailwire does not know (nodemailer passes any
 * Buffer encoding through) is refused rather than read as UTF-8 text, which would send the base64 or
 * binary text itself, encoded a second time; on a Buffer, a stream or a file it would be ignored, so it is
 * refused there too.
 */
function assertEncoding(att: Attachment, field: string): void {
  const encoding: unknown = att.encoding;
  if (encoding === undefined) return;
  if (typeof encoding !== 'string' || !(ENCODINGS as readonly string[]).includes(encoding)) {
    throw guardError(`${field}.encoding: ${JSON.stringify(printable(String(encoding)))} is not known: use ${ENCODINGS.join(', ')} (for a string content)`);
  }
  if (typeof att.content !== 'string') {
    throw guardError(`${field}.encoding: applies to a string content only (a Buffer, stream, path or href is sent as its bytes)`);
  }
}

function decodeString(content: string, encoding: Attachment['encoding'], field: string): Buffer {
  if (encoding === undefined || encoding === 'utf8') return Buffer.from(content, 'utf8');
  if (encoding === 'base64') {
    // Buffer.from silently skips junk; a guard should not, so check the alphabet first (white space,
    // e.g. line breaks from a file, is allowed and ignored).
    const compact = content.replace(/[\t\n\r ]/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw guardError(`${field}: invalid base64`);
    return Buffer.from(compact, 'base64');
  }
  if (encoding === 'hex') {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(content)) throw guardError(`${field}: invalid hex`);
    return Buffer.from(content, 'hex');
  }
  throw guardError(`${field.replace(/\.content$/, '')}.encoding: must be base64, utf8 or hex`);
}

async function resolveSource(att: Attachment, field: string, ctx: AttachmentContext): Promise<{ body: BodySource; fetchedType?: string }> {
  const given = [att.content !== undefined, att.path !== undefined, att.href !== undefined].filter(Boolean).length;
  if (given !== 1) throw guardError(`${field}: give exactly one of content, path or href`);
  const content = att.content;
  if (content !== undefined) {
    if (typeof content === 'string') return { body: { kind: 'base64', data: decodeString(content, att.encoding, `${field}.content`) } };
    if (content instanceof Uint8Array) {
      const data = Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      return { body: { kind: 'base64', data } };
    }
    if (isReadable(content)) return { body: { kind: 'stream', stream: content, field: `${field}.content` } };
    throw guardError(`${field}.content: expected a Buffer, Uint8Array, string or Readable`);
  }
  if (att.path !== undefined) {
    if (ctx.disableFileAccess) throw guardError(`${field}.path: file access is disabled`);
    if (typeof att.path !== 'string' || att.path === '') throw guardError(`${field}.path: expected a file path`);
    assertNoControls(att.path, `${field}.path`);
    let info;
    try {
      info = await stat(att.path);
    } catch (err) {
      throw cannotRead(`${field}.path`, att.path, err);
    }
    if (!info.isFile()) throw guardError(`${field}.path: "${printable(att.path)}" is not a regular file`);
    return { body: { kind: 'file', path: att.path, size: info.size, field: `${field}.path` } };
  }
  if (ctx.disableUrlAccess) throw guardError(`${field}.href: URL access is disabled`);
  if (typeof att.href !== 'string') throw guardError(`${field}.href: expected a string`);
  assertNoControls(att.href, `${field}.href`);
  try {
    const fetched = await ctx.fetcher(att.href, { maxBytes: ctx.limits.maxMessageBytes });
    const body: BodySource = { kind: 'base64', data: fetched.data };
    return fetched.contentType === undefined ? { body } : { body, fetchedType: fetched.contentType };
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('href:')) err.message = `${field}.${err.message}`;
    throw err;
  }
}

function cannotRead(field: string, path: string, err: unknown): Error {
  return guardError(`${field}: cannot read "${printable(path)}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
}

/**
 * The whole body in memory, for the one kind of part that must be checked before it is written
 * (message/rfc822, see embedded-message.ts). Files and streams are read here, within the message's budget.
 */
async function wholeBody(body: BodySource, budget: { left: number }, limits: ResolvedLimits): Promise<Buffer> {
  if (body.kind === 'base64' || body.kind === 'encoded') return body.data;
  const tooLarge = (): never => {
    throw guardError(`${body.field}: the message would be larger than maxMessageBytes (${limits.maxMessageBytes} bytes)`);
  };
  const data = body.kind === 'file' ? await readCapped(body.path, body.field, budget.left, tooLarge) : await collectCapped(body.stream, body.field, budget.left, tooLarge);
  budget.left -= data.length;
  return data;
}

/** Reads a file, refusing it as soon as it is over `max` bytes, whatever stat said when it was attached. */
async function readCapped(path: string, field: string, max: number, tooLarge: () => never): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw cannotRead(field, path, err);
  }
  try {
    const size = (await handle.stat()).size;
    if (size > max) tooLarge();
    // Room for one byte more than the size says: reading it means the file grew. A file whose size says 0
    // (under /proc) grows the buffer as it is read, never past max + 1.
    let buf = Buffer.allocUnsafe(Math.min(max, size) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > max) tooLarge();
        const bigger = Buffer.allocUnsafe(Math.min(max + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > max) tooLarge();
    return buf.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Reads a caller's stream to its end, refusing it once it is over `max` bytes. */
async function collectCapped(stream: Readable, field: string, max: number, tooLarge: () => never): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<unknown>) {
      const buf = chunkBytes(chunk, field);
      total += buf.length;
      if (total > max) tooLarge();
      chunks.push(Buffer.from(buf)); // a copy: a stream may reuse its buffer for the next chunk
    }
  } catch (error) {
    // The caller's stream failed: the message cannot be made, and nothing has been sent.
    throw sourceFailure(error, `${field}: the stream failed`, 'compose');
  }
  return Buffer.concat(chunks, total);
}

function validateCid(cid: string, field: string): string {
  if (typeof cid !== 'string') throw guardError(`${field}: expected a string`);
  const inner = cid.startsWith('<') && cid.endsWith('>') ? cid.slice(1, -1) : cid;
  if (inner.length === 0 || inner.length > 250) throw guardError(`${field}: invalid length`);
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x5c) {
      throw guardError(`${field}: "${printable(cid)}" must be printable ASCII without spaces, quotes or <>`);
    }
  }
  return inner;
}

/**
 * A file attached by `path` alone is named after the file, as a reader expects: without a name it would
 * arrive as "noname", typed application/octet-stream. Only the base name goes out, never the directory. A
 * path with control characters gets no name here; resolveSource refuses it with its own message.
 */
function nameFromPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || /[\x00-\x1f\x7f]/.test(path)) return undefined;
  const name = basename(path);
  return name === '' ? undefined : name;
}

/** Content-Type `name` parameter: the pre-RFC 2231 form old clients read (encoded-words when needed). */
function legacyName(filename: string): string {
  if (isPlainParamValue(filename, 60)) return plainParam('name', filename);
  return `name=${quoteString(encodeWords(filename).join(' '))}`;
}

export async function prepareAttachment(att: Attachment, index: number, ctx: AttachmentContext): Promise<PreparedAttachment> {
  const field = `attachments[${index}]`;
  if (typeof att !== 'object' || att === null) throw guardError(`${field}: expected an object`);
  assertKnownFields(att, ATTACHMENT_KEYS, `${field}.`);
  const { cid, method } = att;
  const filename = att.filename === undefined ? nameFromPath(att.path) : att.filename;
  if (filename !== undefined) {
    if (typeof filename !== 'string') throw guardError(`${field}.filename: expected a string`);
    assertNoControls(filename, `${field}.filename`);
    if (filename.length > 1024) throw guardError(`${field}.filename: longer than 1024 characters`);
  }
  const contentId = cid === undefined ? undefined : validateCid(cid, `${field}.cid`);
  const disposition = att.contentDisposition ?? (contentId !== undefined ? 'inline' : 'attachment');
  if (disposition !== 'attachment' && disposition !== 'inline') throw guardError(`${field}.contentDisposition: must be attachment or inline`);
  if (method !== undefined && (typeof method !== 'string' || !isToken(method) || method.length > 32)) {
    throw guardError(`${field}.method: must be a token such as REQUEST`);
  }
  const custom = assertCustomHeaders(att.headers, ctx.limits, `${field}.headers`);
  assertEncoding(att, field);

  const { body, fetchedType } = await resolveSource(att, field, ctx);

  let type: { type: string; params: string } | undefined;
  if (att.contentType !== undefined) {
    if (typeof att.contentType !== 'string') throw guardError(`${field}.contentType: expected a string`);
    assertNoControls(att.contentType, `${field}.contentType`);
    type = parseContentType(att.contentType);
    if (type === undefined) throw guardError(`${field}.contentType: "${printable(att.contentType)}" is not type/subtype`);
  } else {
    const fromName = contentTypeFor(filename);
    const fromFetch = fetchedType === undefined ? undefined : parseContentType(fetchedType);
    type = fromName !== undefined ? { type: fromName, params: '' } : fromFetch !== undefined ? { type: fromFetch.type, params: '' } : { type: DEFAULT_CONTENT_TYPE, params: '' };
  }
  if (type.type.startsWith('multipart/')) throw guardError(`${field}.contentType: multipart types cannot be attached`);

  const ctParams = [type.type, ...(type.params === '' ? [] : [type.params])];
  if (method !== undefined) ctParams.push(`method=${method.toUpperCase()}`);
  if (filename !== undefined && filename !== '') ctParams.push(legacyName(filename));
  const dispParams = [disposition, ...(filename !== undefined && filename !== '' ? formatParam('filename', filename) : [])];

  // Every other part is base64; a message/rfc822 body is carried as it is (RFC 2046 5.2.1).
  const embedded = type.type === 'message/rfc822' ? encodeEmbeddedMessage(await wholeBody(body, ctx.readBudget, ctx.limits), field) : undefined;
  const headers = new HeaderBlock(ctx.limits.maxHeaderLineOctets)
    .structured('Content-Type', ctParams.join('; '))
    .structured('Content-Transfer-Encoding', embedded?.encoding ?? 'base64')
    .structured('Content-Disposition', dispParams.join('; '));
  if (contentId !== undefined) headers.structured('Content-ID', `<${contentId}>`);
  for (const [name, value] of custom) headers.text(name, value);
  const partBody: BodySource = embedded === undefined ? body : { kind: 'encoded', data: embedded.data };
  return { part: { kind: 'leaf', headers: headers.toBuffer(), body: partBody }, related: contentId !== undefined, eightBit: embedded?.encoding === '8bit' };
}
