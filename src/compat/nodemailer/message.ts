/**
 * nodemailer's message fields -> a mailwire MailMessage. What mailwire refuses on purpose (reserved
 * headers such as a custom `From`, CR/LF in any header, prepared headers that skip encoding) stays refused;
 * the fields mailwire has no counterpart for reach mailwire unchanged, which refuses them naming the field.
 */
import { Readable } from 'node:stream';
import { SmtpError } from '../../errors.js';
import type { Attachment, MailMessage } from '../../mime/message.js';
import type { NodemailerAttachment, NodemailerContent, NodemailerListValue, NodemailerMail } from './types.js';

const RENAMED = new Set(['text', 'html', 'attachments', 'headers', 'list', 'envelope', 'dsn', 'raw', 'xMailer', 'signal']);

function messageError(message: string): SmtpError {
  return new SmtpError('EMESSAGE', message, { phase: 'compose', transient: false });
}

/** The mailwire message for a nodemailer one (async: streamed text/html bodies are read). */
export async function mapMessage(mail: NodemailerMail): Promise<MailMessage> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mail)) {
    if (value === undefined || RENAMED.has(key)) continue;
    out[key] = value; // same name and meaning in both, or refused by mailwire naming the field
  }
  if (mail.text !== undefined) out.text = await mapBody(mail.text, 'text');
  if (mail.html !== undefined) out.html = await mapBody(mail.html, 'html');
  if (mail.attachments !== undefined) {
    if (!Array.isArray(mail.attachments)) throw messageError('attachments must be an array');
    out.attachments = mail.attachments.map(mapAttachment);
  }
  const headers = [...mapHeaders(mail.headers), ...mapList(mail.list)];
  if (typeof mail.xMailer === 'string') headers.push(['X-Mailer', mail.xMailer]);
  if (headers.length > 0) out.headers = headers;
  if (mail.envelope !== undefined) out.envelope = mapEnvelope(mail.envelope);
  if (mail.dsn !== undefined) {
    const { id, return: ret, notify, recipient, ...rest } = mail.dsn;
    if (Object.keys(rest).length > 0) throw messageError(`unknown field dsn.${Object.keys(rest)[0]}`);
    out.dsn = {
      ...(id !== undefined ? { envid: id } : {}),
      ...(ret !== undefined ? { ret: ret === 'full' ? 'FULL' : 'HDRS' } : {}),
      ...(notify !== undefined ? { notify } : {}),
      ...(recipient !== undefined ? { orcpt: recipient } : {}),
    };
  }
  return out as MailMessage;
}

export function mapEnvelope(envelope: NonNullable<NodemailerMail['envelope']>): { from?: string; to?: string[] } {
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  // nodemailer lets the envelope carry cc and bcc: they are recipients like any other.
  const to = [...list(envelope.to), ...list(envelope.cc), ...list(envelope.bcc)];
  return { ...(envelope.from !== undefined ? { from: envelope.from } : {}), ...(to.length > 0 ? { to } : {}) };
}

async function mapBody(value: NodemailerContent, field: string): Promise<string | Buffer> {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Readable) return readAll(value);
  if (typeof value === 'object' && value !== null && 'content' in value) return mapBody(value.content, field);
  throw messageError(`${field}: give a string, a Buffer, a stream or { content } (mailwire does not read ${field} from a path or URL)`);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

const ENCODINGS: Record<string, 'base64' | 'hex' | 'utf8' | 'latin1'> = {
  base64: 'base64', hex: 'hex', utf8: 'utf8', 'utf-8': 'utf8', binary: 'latin1', latin1: 'latin1', ascii: 'latin1',
};

function mapAttachment(input: NodemailerAttachment, index: number): Attachment {
  const a = { ...input } as NodemailerAttachment & Record<string, unknown>;
  const out = a as unknown as Attachment & Record<string, unknown>;
  if (a.filename === false) out.filename = '';
  if (a.encoding !== undefined) {
    const encoding = ENCODINGS[String(a.encoding).toLowerCase()];
    if (encoding === undefined) throw messageError(`attachments[${index}].encoding "${a.encoding}" is not known (base64, hex, utf8, binary)`);
    // A string in an encoding mailwire does not take is turned into its bytes here.
    if (encoding === 'latin1' && typeof a.content === 'string') {
      out.content = Buffer.from(a.content, 'latin1');
      delete out.encoding;
    } else out.encoding = encoding === 'latin1' ? 'utf8' : encoding;
  }
  if (typeof a.path === 'string') {
    const data = /^data:([^;,]*)((?:;[^;,]*)*?)(;base64)?,(.*)$/is.exec(a.path);
    if (data) {
      // nodemailer accepts data: URIs as a path; the bytes are right there.
      const body = data[4] ?? '';
      out.content = data[3] ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body));
      if (out.contentType === undefined && data[1]) out.contentType = data[1];
      delete out.path;
      delete out.encoding;
    } else if (/^https?:\/\//i.test(a.path)) {
      out.href = a.path; // nodemailer fetches a URL given as path
      delete out.path;
    }
  }
  if (a.headers !== undefined && !Array.isArray(a.headers)) out.headers = flattenHeaders(a.headers, `attachments[${index}].headers`);
  return out;
}

function flattenHeaders(headers: Record<string, unknown>, field: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'object' && one !== null && 'value' in one) {
        // { prepared: true } asks for the value to go out unencoded and unchecked: mailwire always checks.
        if ((one as { prepared?: unknown }).prepared) throw new SmtpError('EGUARD', `${field}.${name}: prepared headers are refused (mailwire encodes and checks every header)`, { phase: 'compose', transient: false });
        out.push([name, String((one as { value: unknown }).value)]);
      } else out.push([name, String(one)]);
    }
  }
  return out;
}

function mapHeaders(headers: NodemailerMail['headers']): Array<[string, string]> {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers.map((h) => [h.key, h.value] as [string, string]);
  return flattenHeaders(headers, 'headers');
}

const LIST_NAMES: Record<string, string> = {
  help: 'List-Help', unsubscribe: 'List-Unsubscribe', subscribe: 'List-Subscribe', post: 'List-Post',
  owner: 'List-Owner', archive: 'List-Archive', id: 'List-ID',
};

/** nodemailer's `list`: List-* headers, a bare address becoming a mailto: URL, one header per value. */
function mapList(list: NodemailerMail['list']): Array<[string, string]> {
  if (list === undefined) return [];
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(list) as Array<[string, NodemailerListValue]>) {
    const name = LIST_NAMES[key];
    if (name === undefined) throw messageError(`unknown field list.${key}`);
    for (const one of Array.isArray(value) ? value : [value]) {
      const { url, comment } = typeof one === 'string' ? { url: one, comment: undefined } : one;
      if (key === 'id') {
        out.push([name, comment ? `"${comment.replace(/["\\]/g, '')}" <${url}>` : `<${url}>`]);
        continue;
      }
      const target = /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : url.includes('@') ? `mailto:${url}` : `http://${url}`;
      out.push([name, `<${target}>${comment ? ` (${comment})` : ''}`]);
    }
  }
  return out;
}
