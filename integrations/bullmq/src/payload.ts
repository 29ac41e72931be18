/**
 * A MailMessage as job data: JSON that any worker machine can turn back into the same message. Bytes
 * travel as base64; a Date as its ISO string. What only the producer's machine could read (a local `path`,
 * a Readable) is refused at enqueue, naming the attachment: a worker elsewhere would fail on it later.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { SmtpError, type Attachment, type MailMessage } from 'mailwire';

/** Bytes inside job data. */
export interface EncodedBytes {
  $base64: string;
}

export type Encoded = { [key: string]: unknown };

export function encodeMessage(message: MailMessage): Encoded {
  if (message === null || typeof message !== 'object') throw guard('the message must be an object');
  (message.attachments ?? []).forEach(checkAttachment);
  return encodeValue(message, 'message') as Encoded;
}

export function decodeMessage(data: Encoded): MailMessage {
  return decodeValue(data) as MailMessage;
}

/** The Message-ID the queue fixes at enqueue, so every retry of the job sends the same one. */
export function messageIdFor(message: MailMessage): string {
  if (typeof message.messageId === 'string' && message.messageId !== '') return message.messageId;
  return `<${randomUUID()}@${domainOf(message.from) ?? 'mailwire.invalid'}>`;
}

function checkAttachment(attachment: Attachment, index: number): void {
  if (attachment === null || typeof attachment !== 'object') throw guard(`attachment ${index} must be an object`);
  if (attachment.path !== undefined) {
    throw guard(`attachment ${index} has a local path (${JSON.stringify(attachment.path)}), which a worker on another machine cannot read: pass its bytes as \`content\` (a Buffer, sent as base64) or an https \`href\``);
  }
  if (attachment.content instanceof Readable || isStreamLike(attachment.content)) {
    throw guard(`attachment ${index} has a stream as content, which cannot be put in a queue: pass its bytes as \`content\` (a Buffer, sent as base64) or an https \`href\``);
  }
}

function encodeValue(value: unknown, where: string): unknown {
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return { $base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } satisfies EncodedBytes;
  if (value instanceof Date) return value.toISOString();
  if (isStreamLike(value)) throw guard(`${where} is a stream, which cannot be put in a queue: pass its bytes`);
  if (Array.isArray(value)) return value.map((item, i) => encodeValue(item, `${where}[${i}]`));
  if (typeof value === 'object') {
    const out: Encoded = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = encodeValue(item, `${where}.${key}`);
    }
    return out;
  }
  throw guard(`${where} cannot be put in a queue (${typeof value})`);
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$base64 === 'string' && Object.keys(record).length === 1) return Buffer.from(record.$base64, 'base64');
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) out[key] = decodeValue(item);
    return out;
  }
  return value;
}

function isStreamLike(value: unknown): boolean {
  return value !== null && typeof value === 'object' && typeof (value as { pipe?: unknown }).pipe === 'function';
}

function domainOf(from: MailMessage['from']): string | undefined {
  const text = typeof from === 'string' ? from : from?.address;
  const match = text === undefined ? null : /@([A-Za-z0-9.-]+)>?\s*$/.exec(text);
  return match?.[1];
}

function guard(message: string): SmtpError {
  return new SmtpError('EGUARD', message, { phase: 'compose', transient: false });
}
