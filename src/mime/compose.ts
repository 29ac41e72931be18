/**
 * compose: message object -> RFC 5322 / MIME bytes.
 *
 * prepareMessage does ALL validation and every slow lookup (file sizes, https fetches) up front and
 * throws EGUARD naming the field before a byte exists. The result can be opened as a stream as many
 * times as a retry needs (same Message-ID, Date, boundaries and bytes each time), unless a caller's
 * Readable is attached, which can only be read once (a Readable attached as message/rfc822 is read into
 * memory when preparing, see embedded-message.ts, and replays like any in-memory part).
 */

import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { SmtpError, guardError } from '../errors.js';
import { allocCrlfOnly } from '../protocol/crlf-bytes.js';
import { assertCustomHeaders } from '../guards/headers.js';
import { assertDsn, normalizeMessageId, normalizeMessageIdList } from '../guards/ids.js';
import { assertBodySize, assertMessageSize, assertSubject, resolveLimits, type GuardLimits, type ResolvedLimits } from '../guards/limits.js';
import { assertHeaderValue } from '../guards/text.js';
import { formatAddress, formatAddressList } from './address.js';
import type { AttachmentContext, PreparedAttachment } from './attachments.js';
import { dateLine, toDate } from './date.js';
import { generateMessageId } from './message-id.js';
import type { HttpsFetcher } from './fetch.js';
import { lazyHttpsFetcher } from './lazy-fetch.js';
import { HeaderBlock } from './header-block.js';
import { isPlainHeaderText } from './encoded-word.js';
import { SOFT_LINE } from './folding.js';
import type { AddressInput, Attachment, MailMessage } from './message.js';
import { endsWithCrlf, partSize, readFileChunks, streamBody, writePart, type LeafPart, type MultiPart, type Part, type StreamedBody } from './parts.js';
import { resolveRecipients, type ResolvedRecipients } from './recipients.js';
import { encodeText, type EncodedText } from './text-body.js';
import { RecentText } from './recent-text.js';
import { buildCalendarPart } from './calendar.js';
import { DSN_KEYS, ENVELOPE_KEYS, ICAL_KEYS, MESSAGE_KEYS, assertKnownFields } from './message-keys.js';

/** How `compose()` fills defaults (From, the Message-ID host), which limits it applies, and how attachments are read (file and URL access, the https fetcher). */
export interface ComposeOptions {
  /** Used when the message has no `from`. */
  defaultFrom?: AddressInput;
  /** Domain for generated Message-IDs when the sender's domain cannot be used. */
  hostname?: string;
  /**
   * The session offers 8BITMIME: UTF-8 text may go as 8bit. Default false: text parts are 7bit-safe. A
   * message/rfc822 attachment with 8-bit content is 8bit either way (RFC 2046 5.2.1 allows nothing else)
   * and sets `eightBit` on the prepared message; compose()'s stream alone does not say so.
   */
  allow8bit?: boolean;
  /**
   * Non-ASCII local parts (RFC 6531/6532): allowed by default, and the prepared message says it needs
   * SMTPUTF8 (`needsSmtpUtf8`); false refuses them here (EGUARD).
   */
  smtpUtf8?: boolean;
  limits?: GuardLimits;
  /** Fetches `href` attachments. Default: createHttpsFetcher() (public addresses only). */
  fetcher?: HttpsFetcher;
  /** Refuse `path` attachments (for services that compose messages from untrusted input). */
  disableFileAccess?: boolean;
  /** Refuse `href` attachments. */
  disableUrlAccess?: boolean;
}

/** A checked message ready to stream: its envelope, Message-ID and size, and `open()`/`toBuffer()` for the bytes. */
export interface PreparedMessage {
  /** "<...>", the same on every open(). */
  messageId: string;
  /** Bare addresses; `to` includes Bcc and is de-duplicated. `from` may be '' (null reverse-path). */
  envelope: { from: string; to: string[] };
  /** Exact byte count of open()'s output, or undefined when a Readable attachment makes it unknown. */
  size?: number;
  /** False when open() can only be called once (a caller's Readable is attached, other than as message/rfc822). */
  replayable: boolean;
  /** A non-ASCII address is used: the session needs SMTPUTF8. */
  needsSmtpUtf8: boolean;
  /** Some part (or header) is 8bit: the session needs 8BITMIME (BODY=8BITMIME). */
  eightBit: boolean;
  /** The message as a stream of CRLF lines, each at most 998 octets. */
  open(): Readable;
  /** The whole message in memory. */
  toBuffer(): Promise<Buffer>;
}

const PRIORITY_HEADERS: ReadonlySet<string> = new Set(['x-priority', 'x-msmail-priority', 'importance']);

const PRIORITY: Readonly<Record<string, readonly [string, string, string]>> = {
  high: ['1 (Highest)', 'High', 'High'],
  normal: ['3 (Normal)', 'Normal', 'Normal'],
  low: ['5 (Lowest)', 'Low', 'Low'],
};

const RECENT: Readonly<Record<'text' | 'html', RecentText>> = { text: new RecentText(), html: new RecentText() };

function readBody(value: unknown, field: 'text' | 'html', limits: ResolvedLimits, allow8bit: boolean): EncodedText | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw guardError(`${field}: expected a string or a Buffer`);
  assertBodySize(field, typeof value === 'string' ? Buffer.byteLength(value) : value.length, limits);
  return RECENT[field].encode(value, allow8bit);
}

/**
 * The headers of a text part: the same few lines for nearly every message, so built once per content type
 * and encoding. Only the fixed types are kept (a calendar's type carries its method); the bytes are shared
 * and only ever copied from.
 */
interface LeafHeaders {
  type: string;
  encoding: string;
  hard: number;
  bytes: Buffer;
}
/** Searched in order, compared field by field: no key string built per message to look one up. */
const LEAF_HEADERS: LeafHeaders[] = [];
const FIXED_TYPES: ReadonlySet<string> = new Set(['text/plain; charset=utf-8', 'text/html; charset=utf-8']);

function leafHeaders(type: string, encoding: string, hard: number): Buffer {
  for (const known of LEAF_HEADERS) {
    if (known.type === type && known.encoding === encoding && known.hard === hard) return known.bytes;
  }
  const bytes = new HeaderBlock(hard).structured('Content-Type', type).structured('Content-Transfer-Encoding', encoding).toBuffer();
  if (FIXED_TYPES.has(type) && LEAF_HEADERS.length < 64) LEAF_HEADERS.push({ type, encoding, hard, bytes });
  return bytes;
}

/**
 * The last text part built, kept for the next message: the recent-text memo hands back the same encoded
 * body for the same text, so bulk sending builds the same part again and again. Parts are only read.
 */
let lastLeaf: { type: string; enc: EncodedText; hard: number; part: LeafPart } | undefined;

function textLeaf(type: string, enc: EncodedText, hard: number): LeafPart {
  if (lastLeaf !== undefined && lastLeaf.enc === enc && lastLeaf.type === type && lastLeaf.hard === hard) return lastLeaf.part;
  const part: LeafPart = { kind: 'leaf', headers: leafHeaders(type, enc.encoding, hard), body: { kind: 'encoded', data: enc.body } };
  lastLeaf = { type, enc, hard, part };
  return part;
}

class Tree {
  /** Random part of this message's boundaries, drawn on the first multipart only (most messages are single-part). */
  #base: string | undefined;
  #count = 0;
  readonly #hard: number;
  constructor(hard: number) {
    this.#hard = hard;
  }
  text(type: string, enc: EncodedText): LeafPart {
    return textLeaf(type, enc, this.#hard);
  }
  multi(subtype: string, children: Part[], extra = ''): MultiPart {
    // "=_" cannot occur in quoted-printable or base64 output, and the random part in 7bit text.
    this.#base ??= randomBytes(12).toString('hex');
    const boundary = `=_mw_${this.#base}_${this.#count++}`;
    const headers = new HeaderBlock(this.#hard).structured('Content-Type', `multipart/${subtype};${extra} boundary="${boundary}"`);
    return { kind: 'multipart', headers: headers.toBuffer(), boundary, children };
  }
}

/** Everything read and checked from the message before its attachments are looked at. */
interface MessageHead {
  limits: ResolvedLimits;
  rcpt: ReturnType<typeof resolveRecipients>;
  subject: string | undefined;
  /** "Subject: ...\r\n" when the subject is plain ASCII text short enough to need no folding. */
  subjectLine: string | undefined;
  text: EncodedText | undefined;
  html: EncodedText | undefined;
  custom: ReadonlyArray<readonly [string, string]>;
  messageId: string;
  /** Undefined: now (the Date header of the current second). */
  date: Date | undefined;
  inReplyTo: string | undefined;
  references: readonly string[];
  calendar: ReturnType<typeof buildCalendarPart> | undefined;
  attachments: readonly Attachment[];
}

/**
 * Validates and prepares a message. Most messages have no attachment: they are checked and assembled
 * synchronously, without the async frame a whole-function `async` would allocate on every call (a frame
 * holding every local of this function, per message, for the collector).
 */
export function prepareMessage(message: MailMessage, options: ComposeOptions = {}): Promise<PreparedMessage> {
  try {
    return Promise.resolve(prepareMessageNow(message, options));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * prepareMessage without the promise when nothing has to be awaited (no attachments): the transport's hot
 * path, where each await is a microtask turn and a promise per message. Throws EGUARD synchronously.
 */
export function prepareMessageNow(message: MailMessage, options: ComposeOptions = {}): PreparedMessage | Promise<PreparedMessage> {
  const head = readHead(message, options);
  if (head.attachments.length === 0) return assemble(message, head, []);
  return prepareAttachments(head, options).then((prepared) => assemble(message, head, prepared));
}

const BYTES_NOW = Symbol('bytesNow');

interface PreparedInternal extends PreparedMessage {
  [BYTES_NOW](alloc?: (size: number) => Buffer): Buffer | undefined;
}

/**
 * The whole message at once, when every part is in memory (no file or stream to read); else undefined.
 * For the transport's hand-over to a session: the bytes are allocated where CRLF-only bytes go (they are,
 * by construction), so the session does not scan them again for line ends. Not for bytes a caller gets
 * to keep and change (composeToBuffer and toBuffer() allocate as usual).
 */
export function messageBytesNow(prepared: PreparedMessage): Buffer | undefined {
  return (prepared as Partial<PreparedInternal>)[BYTES_NOW]?.(allocCrlfOnly);
}

async function prepareAttachments(head: MessageHead, options: ComposeOptions): Promise<PreparedAttachment[]> {
  // Loaded by the first message with attachments (content types, embedded messages, file and URL reading).
  const { prepareAttachment } = await import('./attachments.js');
  const ctx: AttachmentContext = {
    limits: head.limits,
    readBudget: { left: head.limits.maxMessageBytes },
    fetcher: options.fetcher ?? lazyHttpsFetcher(),
    disableFileAccess: options.disableFileAccess === true,
    disableUrlAccess: options.disableUrlAccess === true,
  };
  const prepared: PreparedAttachment[] = [];
  for (const [i, att] of head.attachments.entries()) prepared.push(await prepareAttachment(att, i, ctx));
  return prepared;
}

/** Shared empty lists for what most messages do not have: only read, never written to. */
const NO_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);
const NO_IDS: readonly string[] = Object.freeze([]);
const NO_ATTACHMENTS: readonly Attachment[] = Object.freeze([]);

function readHead(message: MailMessage, options: ComposeOptions): MessageHead {
  const limits = resolveLimits(options.limits);
  if (typeof message !== 'object' || message === null) throw guardError('message: expected an object');
  assertKnownFields(message, MESSAGE_KEYS, '');
  assertKnownFields(message.envelope, ENVELOPE_KEYS, 'envelope.');
  assertKnownFields(message.dsn, DSN_KEYS, 'dsn.');
  assertKnownFields(message.icalEvent, ICAL_KEYS, 'icalEvent.');
  const allow8bit = options.allow8bit === true;
  const rcpt = resolveRecipients(message, options.defaultFrom, options.smtpUtf8 !== false, limits);

  const subject = message.subject;
  let subjectLine: string | undefined;
  if (subject !== undefined) {
    // Printable ASCII in single spaces (isPlainHeaderText) holds no control character either: one pass over
    // the usual subject instead of three (guard, plain test, folding test), and a short one is a line as is.
    if (typeof subject === 'string' && isPlainHeaderText(subject)) {
      if (subject.length <= SOFT_LINE - 9) subjectLine = `Subject: ${subject}\r\n`;
    } else {
      assertHeaderValue(subject, 'subject');
    }
    assertSubject(subject, limits);
  }
  const text = readBody(message.text, 'text', limits, allow8bit);
  const html = readBody(message.html, 'html', limits, allow8bit);
  const headers = message.headers;
  const custom = headers === undefined ? NO_HEADERS : assertCustomHeaders(headers, limits);
  if (message.priority !== undefined) {
    if (!Object.hasOwn(PRIORITY, message.priority)) throw guardError('priority: must be high, normal or low');
    const clash = custom.find(([name]) => PRIORITY_HEADERS.has(name.toLowerCase()));
    if (clash !== undefined) throw guardError(`headers.${clash[0]}: conflicts with the priority field`);
  }
  const fromDomain = rcpt.from.address.slice(rcpt.from.address.lastIndexOf('@') + 1);
  const idDomain = fromDomain.startsWith('[') && options.hostname !== undefined ? options.hostname : fromDomain;
  const messageId = message.messageId === undefined ? generateMessageId(idDomain) : normalizeMessageId(message.messageId, 'messageId');
  const date = message.date === undefined ? undefined : toDate(message.date);
  const inReplyTo = message.inReplyTo === undefined ? undefined : normalizeMessageId(message.inReplyTo, 'inReplyTo');
  const references = message.references === undefined ? NO_IDS : normalizeMessageIdList(message.references, 'references');
  assertDsn(message.dsn);
  const calendar = message.icalEvent === undefined ? undefined : buildCalendarPart(message.icalEvent, limits, allow8bit);

  const attachments = message.attachments ?? NO_ATTACHMENTS;
  if (!Array.isArray(attachments)) throw guardError('attachments: expected an array');
  if (attachments.length > limits.maxAttachments) throw guardError(`attachments: more than ${limits.maxAttachments}`);
  return { limits, rcpt, subject, subjectLine, text, html, custom, messageId, date, inReplyTo, references, calendar, attachments };
}

/**
 * The address header lines (From, Sender, To, Cc, Reply-To) of the last message, kept for the next: with
 * the address memo, the same address strings come back as the very same item objects, so the same
 * objects mean the same lines. Compared by identity, never by content.
 */
let lastAddressLines: { from: unknown; sender: unknown; to: unknown; cc: unknown; replyTo: unknown; hard: number; text: string } | undefined;

function addressLines(rcpt: ResolvedRecipients, hard: number): string {
  const last = lastAddressLines;
  if (last !== undefined && last.from === rcpt.from && last.sender === rcpt.sender && last.to === rcpt.to && last.cc === rcpt.cc && last.replyTo === rcpt.replyTo && last.hard === hard) {
    return last.text;
  }
  const lines = new HeaderBlock(hard);
  lines.structured('From', formatAddress(rcpt.from));
  if (rcpt.sender !== undefined) lines.structured('Sender', formatAddress(rcpt.sender));
  if (rcpt.to.length > 0) lines.structured('To', formatAddressList(rcpt.to));
  if (rcpt.cc.length > 0) lines.structured('Cc', formatAddressList(rcpt.cc));
  if (rcpt.replyTo.length > 0) lines.structured('Reply-To', formatAddressList(rcpt.replyTo));
  const text = lines.toString();
  lastAddressLines = { from: rcpt.from, sender: rcpt.sender, to: rcpt.to, cc: rcpt.cc, replyTo: rcpt.replyTo, hard, text };
  return text;
}

/** An empty list of parts, shared: only read (its length), never written to. */
const NO_PARTS: Part[] = [];

function assemble(message: MailMessage, head: MessageHead, prepared: PreparedAttachment[]): PreparedMessage {
  const { limits, rcpt, text, html, custom, messageId, date, inReplyTo, references, calendar, subject, subjectLine } = head;

  // The tree: mixed( alternative( text, related( html, inline... ), calendar ), attachments... ).
  let root: Part;
  if (prepared.length === 0 && html === undefined && calendar === undefined) {
    // Text only, the usual message: one leaf, without the lists the general case builds.
    root = textLeaf('text/plain; charset=utf-8', text ?? encodeText(''), limits.maxHeaderLineOctets);
  } else {
    const tree = new Tree(limits.maxHeaderLineOctets);
    // Most messages have no attachments: then no filtered and mapped copies of an empty list.
    const related = html === undefined || prepared.length === 0 ? NO_PARTS : prepared.filter((a) => a.related).map((a) => a.part);
    const mixed = prepared.length === 0 ? NO_PARTS : prepared.filter((a) => html === undefined || !a.related).map((a) => a.part);
    const htmlLeaf = html === undefined ? undefined : tree.text('text/html; charset=utf-8', html);
    const htmlPart = htmlLeaf !== undefined && related.length > 0 ? tree.multi('related', [htmlLeaf, ...related], ' type="text/html";') : htmlLeaf;
    const calPart = calendar === undefined ? undefined : tree.text(calendar.contentType, calendar.encoded);
    const alternatives = [text === undefined ? undefined : tree.text('text/plain; charset=utf-8', text), htmlPart, calPart].filter(
      (p): p is Part => p !== undefined,
    );
    const body = alternatives.length > 1 ? tree.multi('alternative', alternatives) : alternatives[0];
    if (mixed.length > 0) root = tree.multi('mixed', body === undefined ? mixed : [body, ...mixed]);
    else root = body ?? tree.text('text/plain; charset=utf-8', encodeText(''));
  }

  const top = new HeaderBlock(limits.maxHeaderLineOctets, addressLines(rcpt, limits.maxHeaderLineOctets));
  if (subjectLine !== undefined) top.lines(subjectLine);
  else if (subject !== undefined) top.text('Subject', subject);
  top.lines(dateLine(date));
  if (messageId.length <= SOFT_LINE - 12) top.lines(`Message-ID: ${messageId}\r\n`);
  else top.structured('Message-ID', messageId);
  if (inReplyTo !== undefined) top.structured('In-Reply-To', inReplyTo);
  if (references.length > 0) top.structured('References', references.join(' '));
  const priority = message.priority === undefined ? undefined : PRIORITY[message.priority];
  if (priority !== undefined) {
    top.structured('X-Priority', priority[0]).structured('X-MSMail-Priority', priority[1]).structured('Importance', priority[2]);
  }
  for (const [name, value] of custom) top.text(name, value);
  top.lines('MIME-Version: 1.0\r\n');
  const eightBit = rcpt.utf8 || text?.encoding === '8bit' || html?.encoding === '8bit' || calendar?.encoded.encoding === '8bit' || prepared.some((a) => a.eightBit);
  const replayable = prepared.length === 0 || !prepared.some((a) => a.part.body.kind === 'stream');
  return new Composed(messageId, rcpt, top.toString(), root, limits, replayable, eightBit);
}

/**
 * A prepared message: one object with its state in private fields and its methods on the prototype, not
 * a record of closures over a context (four objects per message, and a context the collector scans).
 * The message's own header lines are kept as the string they were built as: bytesNow() writes them
 * straight into the one Buffer of the whole message.
 */
class Composed implements PreparedInternal {
  readonly messageId: string;
  readonly envelope: { from: string; to: string[] };
  declare size?: number;
  readonly replayable: boolean;
  readonly needsSmtpUtf8: boolean;
  readonly eightBit: boolean;
  readonly #headers: string;
  /** Octets of #headers in UTF-8; equal to its length when it is ASCII (then written as latin1). */
  readonly #headerBytes: number;
  readonly #root: Part;
  readonly #tail: Buffer;
  readonly #limits: ResolvedLimits;
  #opened = false;
  #needsStreaming = false; // learnt once: a file or stream part; the in-memory walk is not tried again

  constructor(messageId: string, rcpt: ResolvedRecipients, headers: string, root: Part, limits: ResolvedLimits, replayable: boolean, eightBit: boolean) {
    this.messageId = messageId;
    this.envelope = rcpt.envelope;
    this.replayable = replayable;
    this.needsSmtpUtf8 = rcpt.utf8;
    this.eightBit = eightBit;
    this.#headers = headers;
    this.#headerBytes = Buffer.byteLength(headers, 'utf8');
    this.#root = root;
    this.#tail = endsWithCrlf(root) ? NO_TAIL : FINAL_CRLF;
    this.#limits = limits;
    const bodySize = partSize(root);
    if (bodySize !== undefined) {
      const size = this.#headerBytes + bodySize + this.#tail.length;
      assertMessageSize(size, limits);
      this.size = size;
    }
  }

  open(): Readable {
    if (!this.replayable && this.#opened) throw new SmtpError('ECONFIG', 'this message has a stream attachment and can only be opened once', { phase: 'compose' });
    this.#opened = true;
    return Readable.from(generate(Buffer.from(this.#headers, 'utf8'), this.#root, this.#tail, this.#limits), { objectMode: false, highWaterMark: 64 * 1024 });
  }

  /** The whole message in one Buffer from `alloc` (the transport's hand-over passes its own), or undefined when a part must be streamed. */
  [BYTES_NOW](alloc: (size: number) => Buffer = plainAlloc): Buffer | undefined {
    const size = this.size;
    if (this.#needsStreaming || size === undefined) return undefined;
    const root = this.#root;
    const out = alloc(size);
    let at = out.write(this.#headers, 0, this.#headerBytes === this.#headers.length ? 'latin1' : 'utf8');
    // TypedArray set(): a builtin, cheaper per call than Buffer's copy() for these few small pieces.
    if (root.kind === 'leaf' && root.body.kind === 'encoded') {
      out.set(root.headers, at);
      at += root.headers.length;
      out[at++] = 0x0d;
      out[at++] = 0x0a;
      out.set(root.body.data, at);
      at += root.body.data.length;
    } else {
      for (const item of writePart(root)) {
        if (!Buffer.isBuffer(item)) {
          this.#needsStreaming = true;
          return undefined;
        }
        out.set(item, at);
        at += item.length;
      }
    }
    if (this.#tail.length === 2) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
    // `size` is computed apart from the bytes: a difference would be a composer bug, which must not cut or
    // pad a message silently.
    if (at !== size) throw new Error(`mailwire: the composed message has ${at} bytes, not the ${size} it was sized at`);
    return out;
  }

  async toBuffer(): Promise<Buffer> {
    const now = this[BYTES_NOW]();
    if (now !== undefined) return now;
    const all: Buffer[] = [];
    for await (const chunk of this.open()) all.push(chunk as Buffer);
    return Buffer.concat(all);
  }
}

const BATCH = 64 * 1024;
const plainAlloc = (size: number): Buffer => Buffer.allocUnsafe(size);
// What ends a message whose last body does not end with CRLF, or nothing. Shared: only ever copied from.
const FINAL_CRLF = Buffer.from('\r\n', 'latin1');
const NO_TAIL = Buffer.alloc(0);

/** The async driver: batches small in-memory pieces and streams file/stream bodies with backpressure. */
async function* generate(headers: Buffer, root: Part, tail: Buffer, limits: ResolvedLimits): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [headers];
  let pendingLen = headers.length;
  let total = headers.length;
  const flush = (): Buffer => {
    const out = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    return out;
  };
  for (const item of writePart(root)) {
    if (Buffer.isBuffer(item)) {
      total += item.length;
      pending.push(item);
      pendingLen += item.length;
      if (pendingLen >= BATCH) yield flush();
      continue;
    }
    if (pendingLen > 0) yield flush();
    yield* streamed(item, limits, () => total, (n) => {
      total += n;
    });
  }
  pending.push(tail);
  pendingLen += tail.length;
  yield flush();
}

async function* streamed(item: StreamedBody, limits: ResolvedLimits, sofar: () => number, add: (n: number) => void): AsyncGenerator<Buffer> {
  let read = 0;
  const source = item.kind === 'file' ? readFileChunks(item.path) : item.stream;
  for await (const chunk of streamBody(source, item.field, (n) => (read += n))) {
    add(chunk.length);
    // Only a stream body can exceed the cap here: every other size was checked when preparing.
    if (sofar() > limits.maxMessageBytes) assertMessageSize(sofar(), limits);
    yield chunk;
  }
  if (item.kind === 'file' && read !== item.size) {
    throw guardError(`${item.field}: the file changed size while the message was being sent`);
  }
}

/**
 * The message as a stream; validation errors are emitted as 'error' on the stream.
 *
 * @example
 * ```ts
 * compose({ from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'Hello' }).pipe(createWriteStream('hi.eml'));
 * ```
 */
export function compose(message: MailMessage, options: ComposeOptions = {}): Readable {
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  prepareMessage(message, options).then(
    (prepared) => {
      pipeline(prepared.open(), out, () => undefined);
    },
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return out;
}

/**
 * Composes the whole message into one Buffer (for tests, archives or sendRaw).
 *
 * @example
 * ```ts
 * const eml = await composeToBuffer({ from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'Hello' });
 * ```
 */
export async function composeToBuffer(message: MailMessage, options: ComposeOptions = {}): Promise<Buffer> {
  return (await prepareMessage(message, options)).toBuffer();
}
