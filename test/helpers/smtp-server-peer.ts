/**
 * smtp-server (an independent SMTP server implementation, from the nodemailer project) as the peer of
 * interop tests, listening on 127.0.0.1 with the bundled test certificate.
 *
 * The peer records what the SERVER saw, in order: every AUTH attempt, MAIL and RCPT command (with the TLS
 * state of the session at that moment), every message body byte for byte, and bodies that were cut off. The
 * tests then compare that with what the client claims it did, so neither side can be wrong in the same way.
 *
 * `recordingConnector` wraps the default connector and records each write() call on the socket, which is
 * how a test sees whether the client pipelined its commands into one write.
 */
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { defaultConnector, type Connector } from '../../src/tls/connector.js';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';

export interface PeerOptions {
  /** Implicit TLS (smtp-server `secure: true`). Otherwise plaintext with STARTTLS offered, unless noStartTls. */
  implicitTls?: boolean;
  /** Do not offer STARTTLS (a plaintext-only server). */
  noStartTls?: boolean;
  /** user -> password. When given, AUTH is required before MAIL; otherwise AUTH is disabled. */
  users?: Record<string, string>;
  /** user -> XOAUTH2 bearer token. */
  tokens?: Record<string, string>;
  /** Mechanisms offered, e.g. ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']. Default PLAIN, LOGIN. */
  authMethods?: string[];
  /** Refuse a recipient with 550 when this returns true. */
  refuseRcpt?: (address: string) => boolean;
  /** Anything else smtp-server takes (size, hide8BITMIME, hideSMTPUTF8, hidePIPELINING, rejectOversized...). */
  server?: Partial<SMTPServerOptions>;
}

export interface SeenAuth {
  sessionId: string;
  method: string;
  username: string | undefined;
  ok: boolean;
  secure: boolean;
}

export interface SeenCommand {
  sessionId: string;
  address: string;
  /** Parameters as smtp-server parsed them (upper-case keys), or false when there were none. */
  args: SMTPServerAddress['args'];
  secure: boolean;
  /** TLS version of the session when the command arrived ('TLSv1.3'...), undefined in plaintext. */
  tlsVersion: string | undefined;
  /** SNI name the client sent, if any. */
  servername: string | undefined;
  user: string | undefined;
  refused: boolean;
}

export interface ReceivedMessage {
  sessionId: string;
  /** 1-based index of this message among all complete messages the peer received. */
  index: number;
  from: string;
  to: string[];
  bodyType: string | undefined;
  smtpUtf8: boolean;
  secure: boolean;
  user: string | undefined;
  /** The message exactly as the server received it (dot-stuffing already undone by smtp-server). */
  bytes: Buffer;
  sha256: string;
  /** The text of the 250 reply the server gives for this message. */
  reply: string;
}

export interface SmtpServerPeer {
  readonly port: number;
  readonly server: SMTPServer;
  readonly auths: SeenAuth[];
  readonly mails: SeenCommand[];
  readonly rcpts: SeenCommand[];
  readonly messages: ReceivedMessage[];
  /** onData calls (a DATA the server accepted with 354), complete or not. */
  readonly dataStarted: string[];
  /** Bodies that never reached their terminating dot (the client went away mid-message). */
  readonly incomplete: Array<{ sessionId: string; bytes: number }>;
  /** Sessions the server has seen close. */
  readonly closed: string[];
  /** Resolves once `count` sessions have closed on the server side. */
  waitForClosed(count: number): Promise<void>;
  /** Resolves once onData has received at least `bytes` bytes of some message. */
  waitForDataBytes(bytes: number): Promise<void>;
  close(): Promise<void>;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function startSmtpServerPeer(options: PeerOptions = {}): Promise<SmtpServerPeer> {
  const auths: SeenAuth[] = [];
  const mails: SeenCommand[] = [];
  const rcpts: SeenCommand[] = [];
  const messages: ReceivedMessage[] = [];
  const dataStarted: string[] = [];
  const incomplete: Array<{ sessionId: string; bytes: number }> = [];
  const closed: string[] = [];
  const waiters = new Set<() => void>();
  let maxDataBytes = 0;
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const until = (predicate: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (predicate()) return resolve();
      const check = (): void => {
        if (!predicate()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  const users = options.users;
  const disabled: string[] = [];
  if (!users && !options.tokens) disabled.push('AUTH');
  if (options.noStartTls) disabled.push('STARTTLS');

  const seen = (address: SMTPServerAddress, session: SMTPServerSession, refused: boolean): SeenCommand => ({
    sessionId: session.id,
    address: address.address,
    args: address.args,
    secure: session.secure,
    tlsVersion: session.tlsOptions ? session.tlsOptions.version : undefined,
    servername: typeof session.servername === 'string' ? session.servername : undefined,
    user: typeof session.user === 'string' ? session.user : undefined,
    refused,
  });

  const server = new SMTPServer({
    key: TEST_PRIVATE_KEY,
    cert: TEST_CERTIFICATE,
    secure: options.implicitTls ?? false,
    name: 'peer.test',
    logger: false,
    disableReverseLookup: true, // never touch DNS: loopback only
    disabledCommands: disabled,
    authMethods: options.authMethods ?? ['PLAIN', 'LOGIN'],
    authOptional: false,
    maxAllowedUnauthenticatedCommands: false,
    closeTimeout: 200,
    ...options.server,

    onAuth(auth, session, callback) {
      const username = auth.username;
      let ok = false;
      if (username !== undefined) {
        if (auth.method === 'XOAUTH2') ok = options.tokens?.[username] !== undefined && options.tokens[username] === auth.accessToken;
        else if (auth.method === 'CRAM-MD5') ok = users?.[username] !== undefined && auth.validatePassword(users[username]);
        else ok = users?.[username] !== undefined && users[username] === auth.password;
      }
      auths.push({ sessionId: session.id, method: auth.method, username, ok, secure: session.secure });
      notify();
      if (ok) return callback(null, { user: username });
      if (auth.method === 'XOAUTH2') {
        // The RFC-style XOAUTH2 failure: a 334 with a JSON error, which the client must answer before the 535.
        return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.example/' } });
      }
      return callback(new Error('Invalid username or password'));
    },

    onMailFrom(address, session, callback) {
      mails.push(seen(address, session, false));
      notify();
      callback();
    },

    onRcptTo(address, session, callback) {
      const refused = options.refuseRcpt?.(address.address) ?? false;
      rcpts.push(seen(address, session, refused));
      notify();
      if (!refused) return callback();
      const error = new Error(`No such user here: ${address.address}`) as Error & { responseCode?: number };
      error.responseCode = 550;
      callback(error);
    },

    onData(stream, session, callback) {
      dataStarted.push(session.id);
      notify();
      const chunks: Buffer[] = [];
      let received = 0;
      let ended = false;
      // Snapshot now: smtp-server resets the envelope once the transaction is over.
      const envelope = session.envelope;
      const from = envelope.mailFrom ? envelope.mailFrom.address : '';
      const to = envelope.rcptTo.map((r) => r.address);
      const bodyType = envelope.bodyType;
      const smtpUtf8 = envelope.smtpUtf8 === true;
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received > maxDataBytes) {
          maxDataBytes = received;
          notify();
        }
      });
      stream.on('error', () => undefined); // a client that goes away mid-message: recorded on 'close'
      stream.on('close', () => {
        if (ended) return;
        incomplete.push({ sessionId: session.id, bytes: received });
        notify();
      });
      stream.on('end', () => {
        ended = true;
        const bytes = Buffer.concat(chunks, received);
        if (stream.sizeExceeded) {
          // With rejectOversized smtp-server answers 552 itself; without it this is our answer.
          const error = new Error('Message too big') as Error & { responseCode?: number };
          error.responseCode = 552;
          return callback(error);
        }
        const index = messages.length + 1;
        const reply = `OK queued as msg-${index}`;
        messages.push({
          sessionId: session.id,
          index,
          from,
          to,
          bodyType,
          smtpUtf8,
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          bytes,
          sha256: sha256(bytes),
          reply,
        });
        notify();
        callback(null, reply);
      });
    },

    onClose(session) {
      closed.push(session.id);
      notify();
    },
  });
  server.on('error', () => undefined); // client-side aborts surface as socket errors; the tests assert on outcomes

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('smtp-server did not report its port');

  return {
    port: address.port,
    server,
    auths,
    mails,
    rcpts,
    messages,
    dataStarted,
    incomplete,
    closed,
    waitForClosed: (count) => until(() => closed.length >= count),
    waitForDataBytes: (bytes) => until(() => maxDataBytes >= bytes),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RecordingConnector {
  connector: Connector;
  /** Each write() call the client made on its socket, in order, as given (cleartext for implicit TLS). */
  writes: Buffer[];
}

/**
 * The default connector, with every write() on the returned socket recorded. With STARTTLS the TLS layer
 * writes ciphertext through this socket, so use it on plaintext or implicit-TLS sessions.
 */
export function recordingConnector(inner: Connector = defaultConnector): RecordingConnector {
  const writes: Buffer[] = [];
  const connector: Connector = async (request) => {
    const socket = await inner(request);
    const stream: Duplex = socket.stream;
    const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      writes.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array));
      return original(chunk, ...rest);
    }) as Duplex['write'];
    return socket;
  };
  return { connector, writes };
}
