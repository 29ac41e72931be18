/**
 * The message object users hand to `transport.send()` and `compose()` (see shared/design/API.md).
 * Plain data: everything here is validated by prepareMessage before a byte is produced.
 */

import type { Readable } from 'node:stream';
import type { DsnOptions } from '../guards/ids.js';

/** "Name <a@example.com>", "a@example.com", a comma list of those, or an object. */
export type AddressInput = string | { name?: string; address: string };

/** One address or several (an array, or a comma-separated string). */
export type AddressListInput = AddressInput | AddressInput[];

/** A file in the message: from `content`, a local `path` or an https `href`. See docs/attachments.md. */
export interface Attachment {
  /**
   * Shown to the recipient; also picks the content type when `contentType` is not given. Default: the base
   * name of `path` (never its directory); `''` sends no name.
   */
  filename?: string;
  /** The bytes. A string is UTF-8 text unless `encoding` says base64 or hex. A Readable can be read once. */
  content?: Buffer | Uint8Array | string | Readable;
  encoding?: 'base64' | 'utf8' | 'hex';
  /**
   * `type/subtype`, optionally with parameters. Default: from the filename extension, else octet-stream.
   * message/rfc822 (also the default for `.eml`) is sent 7bit or 8bit, never base64 (RFC 2046 5.2.1): it is
   * read into memory and checked when the message is prepared (docs/contract-notes.md).
   */
  contentType?: string;
  /**
   * A local file, streamed at send time (its size is taken when the message is prepared). A message/rfc822
   * file is read when the message is prepared instead, to be checked.
   */
  path?: string;
  /** An https URL fetched when the message is prepared (destination-guarded, pinned, no redirects, capped). */
  href?: string;
  /** Content-ID for inline images referenced from the HTML as `cid:...`; makes the part inline. */
  cid?: string;
  contentDisposition?: 'attachment' | 'inline';
  /** Extra headers on this part (reserved names refused, as for the message). */
  headers?: Record<string, string> | Array<[string, string]>;
  /** Calendar method parameter (REQUEST, CANCEL, ...) for text/calendar attachments. */
  method?: string;
}

/** A calendar invitation sent as a text/calendar alternative (what Outlook and Gmail show as an invite). */
export interface IcalEvent {
  /** iTIP method: REQUEST (default), PUBLISH, REPLY, CANCEL, ... */
  method?: string;
  /** The iCalendar text. */
  content: string | Buffer;
  /** Optional filename parameter on the part. */
  filename?: string;
}

/** A message as `send()` and `compose()` take it. Every field is checked before a byte is written. */
export interface MailMessage {
  from?: AddressInput;
  sender?: AddressInput;
  to?: AddressListInput;
  cc?: AddressListInput;
  /** Envelope only: never written into the headers. */
  bcc?: AddressListInput;
  replyTo?: AddressListInput;
  subject?: string;
  text?: string | Buffer;
  html?: string | Buffer;
  attachments?: Attachment[];
  icalEvent?: IcalEvent;
  headers?: Record<string, string> | Array<[string, string]>;
  priority?: 'high' | 'normal' | 'low';
  messageId?: string;
  date?: Date | string;
  inReplyTo?: string;
  references?: string | string[];
  /** Overrides the SMTP envelope (MAIL FROM / RCPT TO) derived from the headers. */
  envelope?: { from?: string; to?: string | string[] };
  /** Delivery status notification options (RFC 3461), used by the transport on MAIL/RCPT. */
  dsn?: DsnOptions;
  /**
   * RFC 8689 REQUIRETLS: the message may travel only over verified TLS, on every hop. Sent as
   * `MAIL FROM:<...> REQUIRETLS`, only over TLS to a server that offers REQUIRETLS; otherwise the send
   * fails before MAIL (ETLS, nothing sent).
   */
  requireTls?: boolean;
}
