/** Public shapes of the local capture sink (`startSink`). */

export interface SinkOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Port; 0 (default) picks a free one, see `SinkServer.port`. */
  port?: number;
  /** Directory for `<timestamp>-<id>.eml` files (created if missing). Ignored with `discard`. */
  dir?: string;
  /** Count and drop every message body (benchmarks). */
  discard?: boolean;
  /** Offer STARTTLS (or serve implicit TLS) with this key/cert; `true` = the bundled public localhost test cert. */
  tls?: { key: string | Buffer; cert: string | Buffer } | true;
  /** Port-465 style: the whole connection is TLS from the first byte. Needs `tls`. */
  implicitTls?: boolean;
  /** Offer AUTH PLAIN LOGIN and require a successful AUTH before MAIL. */
  auth?: { user: string; pass: string };
  /** Refuse MAIL and AUTH until STARTTLS has completed (530 5.7.0). */
  requireTls?: boolean;
  /** Advertised SIZE, enforced at MAIL (SIZE=) and on the received bytes. Default 25 MiB. */
  maxMessageBytes?: number;
  /** Advertise and accept BDAT (RFC 3030). Default true. */
  chunking?: boolean;
  /** Advertise PIPELINING. Default true (pipelined input is always handled correctly). */
  pipelining?: boolean;
  /** Recipients per transaction; the next one gets 452 4.5.3. Default 1000. */
  rcptLimit?: number;
  /** Recipients for which this returns true get 550 5.1.1 (tests of partial refusal). */
  refuseRecipients?: (address: string) => boolean;
  /**
   * Called for every accepted message, after its file (if any) is complete and before the client gets
   * its 250. If it throws, the client gets 451 4.3.0 instead (handy for testing transient failures).
   */
  onMessage?: (m: SunkMessage) => void;
  /** Text after the hostname in the 220 greeting. */
  banner?: string;
  /** Name the server uses for itself in the greeting and EHLO reply. Default 'localhost'. */
  hostname?: string;
  /** Simultaneous connections; more get `421 4.3.2` and are closed. Default 1000. */
  maxConnections?: number;
  /**
   * A connection that sends nothing for this long gets `421 4.4.2` and is closed (checked every quarter of
   * it, so after 1 to 1.25 times this). Default 300 000 (5 min).
   */
  idleTimeoutMs?: number;
}

/** One message the sink captured: envelope, size, the bytes (or the file they went to), and what the session was (TLS, user, HELO). */
export interface SunkMessage {
  /** Unique within this server, also the file name suffix. */
  id: string;
  /** Reverse path without the angle brackets ('' for the null sender `<>`). */
  from: string;
  /** Accepted recipients, in order. */
  to: string[];
  /** MAIL FROM parameters exactly as sent, e.g. ['SIZE=123', 'BODY=8BITMIME']. */
  mailParams: string[];
  /** Bytes of the message after dot-unstuffing (DATA) or as sent (BDAT). */
  size: number;
  /** The message bytes; only when neither `dir` nor `discard` is set (tests). */
  raw?: Buffer;
  /** Where the message was saved, when `dir` is set. */
  path?: string;
  /** The session was TLS (STARTTLS or implicit) when the message was received. */
  secure: boolean;
  /** The authenticated user, if the session authenticated. */
  authUser?: string;
  /** The EHLO/HELO argument. */
  helo: string;
  transport: 'DATA' | 'BDAT';
}

/** Counters of a running sink. */
export interface SinkStats {
  /** Connections accepted since start (including ones refused for the connection limit). */
  connections: number;
  /** Messages accepted (answered 250). */
  messages: number;
  /** Total size of accepted messages. */
  bytes: number;
  /** 4xx/5xx answers to MAIL, RCPT, DATA and BDAT (including a refused or unsaved message), plus failed AUTH. */
  rejected: number;
}

/** A running `startSink` server: where it listens (host, port, url), its counters, and `close()`. */
export interface SinkServer {
  readonly host: string;
  readonly port: number;
  /** `smtp://host:port` or `smtps://host:port` (implicit TLS); IPv6 hosts are bracketed. */
  readonly url: string;
  /** Live counters (the same object is updated in place). */
  readonly stats: SinkStats;
  /** Stop listening, send `421` to open sessions, wait for sockets and pending file writes. */
  close(): Promise<void>;
}
