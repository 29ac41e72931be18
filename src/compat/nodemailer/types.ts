/**
 * The shapes of nodemailer's SMTP options, message fields and `info`, as mailwire/nodemailer takes and
 * returns them (the names are nodemailer's; the types are ours).
 */
import type { Readable } from 'node:stream';
import type { TlsSettings } from '../../tls/policy.js';

/** nodemailer's `logger` object (bunyan-compatible): each level is optional. */
export interface NodemailerLogger {
  /** Called for info-level messages. */
  info?: (...args: unknown[]) => void;
  /** Called for debug-level messages. */
  debug?: (...args: unknown[]) => void;
  /** Called for error-level messages. */
  error?: (...args: unknown[]) => void;
  /** Called for warn-level messages. */
  warn?: (...args: unknown[]) => void;
  /** Called for trace-level messages. */
  trace?: (...args: unknown[]) => void;
  /** Called for fatal-level messages. */
  fatal?: (...args: unknown[]) => void;
}

/** nodemailer's DKIM options: one key, or several in `keys`. */
export interface NodemailerDkim {
  domainName?: string;
  keySelector?: string;
  privateKey?: string;
  keys?: Array<{ domainName: string; keySelector: string; privateKey: string }>;
  /** Colon-separated header names to sign, e.g. 'from:to:subject'. */
  headerFieldNames?: string;
  hashAlgo?: string;
  /** Refused unless false: see docs/migrating-from-nodemailer.md. */
  cacheDir?: string | false;
  cacheTreshold?: number;
  skipFields?: string;
}

/** nodemailer's SMTP transport options (see docs/migrating-from-nodemailer.md for each one). */
export interface NodemailerSmtpOptions {
  host?: string;
  port?: number;
  /** true: TLS from the first byte (port 465). false: STARTTLS when the server offers it. */
  secure?: boolean;
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  opportunisticTLS?: boolean;
  auth?: { user?: string; pass?: string; type?: 'login' | 'LOGIN' | 'oauth2' | 'OAuth2' | 'OAUTH2'; accessToken?: string; expires?: number };
  authMethod?: string;
  tls?: TlsSettings;
  /** The EHLO name. */
  name?: string;
  pool?: boolean;
  maxConnections?: number;
  maxMessages?: number;
  rateDelta?: number;
  rateLimit?: number;
  connectionTimeout?: number;
  greetingTimeout?: number;
  socketTimeout?: number;
  dnsTimeout?: number;
  logger?: NodemailerLogger | boolean;
  debug?: boolean;
  transactionLog?: boolean;
  dkim?: NodemailerDkim;
  /** socks5://, socks5h://, http:// or https:// proxy URL. */
  proxy?: string;
  /** A well-known service name ('Gmail', 'SendGrid', 'SES-EU-WEST-1', ...). */
  service?: string;
  lmtp?: boolean;
  disableFileAccess?: boolean;
  disableUrlAccess?: boolean;
}

/** An address: "Name <a@example.com>", a comma list of those, or { name, address }. */
export type NodemailerAddress = string | { name?: string; address: string };

/** Content given inline, from a stream, or as nodemailer's { content } / { path } objects. */
export type NodemailerContent = string | Buffer | Readable | { content: string | Buffer | Readable } | { path: string } | { href: string };

/** nodemailer's attachment fields (see docs/migrating-from-nodemailer.md for how each maps). */
export interface NodemailerAttachment {
  filename?: string | false;
  content?: string | Buffer | Readable;
  /** A local file, an http(s) URL, or a data: URI. */
  path?: string;
  href?: string;
  contentType?: string;
  contentDisposition?: 'attachment' | 'inline';
  cid?: string;
  encoding?: string;
  headers?: Record<string, string | string[]>;
  /** Refused: see docs/migrating-from-nodemailer.md. */
  raw?: unknown;
}

/** A `list` entry: a URL or address, `{ url, comment }`, or several of those. */
export type NodemailerListValue = string | { url: string; comment?: string } | Array<string | { url: string; comment?: string }>;

/** nodemailer's message fields. */
export interface NodemailerMail {
  from?: NodemailerAddress;
  sender?: NodemailerAddress;
  to?: NodemailerAddress | NodemailerAddress[];
  cc?: NodemailerAddress | NodemailerAddress[];
  bcc?: NodemailerAddress | NodemailerAddress[];
  replyTo?: NodemailerAddress | NodemailerAddress[];
  inReplyTo?: string;
  references?: string | string[];
  subject?: string;
  text?: NodemailerContent;
  html?: NodemailerContent;
  attachments?: NodemailerAttachment[];
  icalEvent?: { method?: string; filename?: string; content: string | Buffer };
  headers?: Record<string, string | string[] | { prepared?: boolean; value: string }> | Array<{ key: string; value: string }>;
  list?: Partial<Record<'help' | 'unsubscribe' | 'subscribe' | 'post' | 'owner' | 'archive' | 'id', NodemailerListValue>>;
  priority?: 'high' | 'normal' | 'low';
  messageId?: string;
  date?: Date | string;
  envelope?: { from?: string; to?: string | string[]; cc?: string | string[]; bcc?: string | string[] };
  dsn?: { id?: string; return?: 'headers' | 'full'; notify?: string | string[]; recipient?: string };
  /** A whole RFC 5322 message sent as it is (with `envelope`, or the envelope taken from from/to/cc/bcc). */
  raw?: string | Buffer | Readable;
  /** false: no X-Mailer (mailwire never adds one); a string: sent as X-Mailer. */
  xMailer?: string | false;
  /** Cancels this send (EABORT). */
  signal?: AbortSignal;
}

/** nodemailer's `info`. */
export interface NodemailerInfo {
  accepted: string[];
  rejected: string[];
  /** One error per refused recipient (with responseCode and response), when some were refused. */
  rejectedErrors?: Error[];
  /** The server's reply to the end of the message. */
  response: string;
  /** With angle brackets, as nodemailer gives it. */
  messageId: string;
  envelope: { from: string | false; to: string[] };
  messageSize: number;
  messageTime: number;
}
