/**
 * The fields of a message (and of its attachments, envelope, dsn and icalEvent) mailwire knows. Any other
 * field is refused (EGUARD naming it) instead of being dropped: a nodemailer `alternatives` or a misspelt
 * `replyto` would otherwise vanish from the message without a word.
 */
import { guardError } from '../errors.js';
import { describeUnknownKey, findUnknownKey, type KeyTable } from '../guards/known-keys.js';

export const MESSAGE_KEYS: KeyTable = {
  known: [
    'from', 'sender', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'text', 'html', 'attachments', 'icalEvent', 'headers', 'priority',
    'messageId', 'date', 'inReplyTo', 'references', 'envelope', 'dsn',
    // added by features of the second round
    'requireTls', 'smtpUtf8',
  ],
  foreign: {
    raw: 'send prepared RFC 5322 bytes with transport.sendRaw(envelope, raw)',
    alternatives: 'not supported: give text, html and icalEvent',
    watchHtml: 'not supported: give text and html',
    amp: 'not supported: give text and html',
    textEncoding: 'mailwire picks quoted-printable or base64 per part',
    encoding: 'give text and html as strings (UTF-8) or Buffers',
    list: 'set List-* headers in headers',
    xMailer: 'set X-Mailer in headers',
    attachDataUrls: 'not supported: attach images with a cid',
    disableFileAccess: 'use the transport option guards: { fileAccess: false }',
    disableUrlAccess: 'use the transport option guards: { urlAccess: false }',
    normalizeHeaderKey: 'not supported: header names are sent as given',
    reply_to: 'use replyTo',
    body: 'use text (or html)',
    attachment: 'use attachments (an array)',
  },
};

export const ATTACHMENT_KEYS: KeyTable = {
  known: ['filename', 'content', 'encoding', 'contentType', 'path', 'href', 'cid', 'contentDisposition', 'headers', 'method'],
  foreign: {
    raw: 'not supported: give content with contentType and headers',
    contentTransferEncoding: 'mailwire writes every attachment as base64 (message/rfc822 as 7bit or 8bit)',
    httpHeaders: 'not supported: href fetches send no custom headers',
    type: 'use contentType',
    name: 'use filename',
    data: 'use content',
  },
};

export const ENVELOPE_KEYS: KeyTable = {
  known: ['from', 'to'],
  foreign: { cc: 'put every recipient in envelope.to', bcc: 'put every recipient in envelope.to' },
};

export const DSN_KEYS: KeyTable = { known: ['notify', 'ret', 'envid', 'orcpt'], foreign: { id: 'use envid', recipient: 'use orcpt' } };

export const ICAL_KEYS: KeyTable = {
  known: ['method', 'content', 'filename'],
  foreign: { path: 'read the file and give content', href: 'fetch it and give content', encoding: 'give content as a string or Buffer' },
};

/** Throws EGUARD naming the first field `value` has that `table` does not know. */
export function assertKnownFields(value: unknown, table: KeyTable, prefix: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const found = findUnknownKey(value, table, prefix);
  if (found) throw guardError(describeUnknownKey(found, 'field', prefix));
}
