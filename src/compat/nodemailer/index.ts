/**
 * mailwire/nodemailer: nodemailer's SMTP transport API on top of mailwire, so an application migrates by
 * changing its import. See docs/migrating-from-nodemailer.md for what maps, what is refused and why.
 *
 * @example
 * ```ts
 * import nodemailer from 'mailwire/nodemailer'; // was: from 'nodemailer'
 * const transporter = nodemailer.createTransport({ host: 'smtp.example.com', port: 587, auth: { user, pass } });
 * const info = await transporter.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'Hello' });
 * console.log(info.messageId, info.accepted);
 * ```
 * @module
 */
import { EventEmitter } from 'node:events';
import { SmtpError } from '../../errors.js';
import { parseAddressList } from '../../mime/address.js';
import { createTransport as createMailwireTransport, type SmtpTransport } from '../../transport/transport.js';
import { mapTransportOptions } from './options.js';
import { mapEnvelope, mapMessage } from './message.js';
import { toNodemailerError, toNodemailerInfo } from './results.js';
import type { NodemailerAddress, NodemailerInfo, NodemailerMail, NodemailerSmtpOptions } from './types.js';

export type * from './types.js';
export { serviceNames } from './services.js';

/** nodemailer's callback: an error, or the info. */
export type SendMailCallback = (error: Error | null, info?: NodemailerInfo) => void;

/**
 * The object nodemailer's `createTransport()` returns, for SMTP: `sendMail`, `verify`, `close`,
 * `isIdle` and the `'idle'` event. `mailwire` is the mailwire transport underneath.
 */
export class NodemailerTransport extends EventEmitter {
  /** The mailwire transport doing the work (events, sendRaw, verify({ to })...). */
  readonly mailwire: SmtpTransport;
  readonly #defaults: NodemailerMail;
  readonly #maxConnections: number;
  #pending = 0;
  #idling = true;

  constructor(options?: NodemailerSmtpOptions, defaults: NodemailerMail = {}) {
    super();
    const { config, maxConnections } = mapTransportOptions(options);
    this.mailwire = createMailwireTransport(config);
    this.#defaults = defaults;
    this.#maxConnections = maxConnections;
    // As nodemailer's pool does: a first 'idle' once the caller has had the chance to listen.
    setImmediate(() => {
      if (this.#idling) this.emit('idle');
    });
  }

  /** Sends a message: with a callback, calls it and returns undefined; without one, returns a promise of the info. */
  sendMail(mail: NodemailerMail): Promise<NodemailerInfo>;
  sendMail(mail: NodemailerMail, callback: SendMailCallback): undefined;
  sendMail(mail: NodemailerMail, callback?: SendMailCallback): Promise<NodemailerInfo> | undefined {
    const promise = this.#send(mail);
    if (!callback) return promise;
    promise.then(
      (info) => callback(null, info),
      (error: Error) => callback(error),
    );
    return undefined;
  }

  /** Connects, authenticates and says QUIT: resolves true, or fails with the reason. */
  verify(): Promise<true>;
  verify(callback: (error: Error | null, success?: true) => void): undefined;
  verify(callback?: (error: Error | null, success?: true) => void): Promise<true> | undefined {
    const promise = this.mailwire.verify().then(
      () => true as const,
      (error: unknown) => Promise.reject(toNodemailerError(error)),
    );
    if (!callback) return promise;
    promise.then(
      (ok) => callback(null, ok),
      (error: Error) => callback(error),
    );
    return undefined;
  }

  /** True while fewer messages are in flight than maxConnections (nodemailer's pool: room for another). */
  isIdle(): boolean {
    return this.#idling;
  }

  /** Closes the pooled connections (QUIT); sends in flight finish first. */
  close(): void {
    void this.mailwire.close();
  }

  async #send(input: NodemailerMail): Promise<NodemailerInfo> {
    this.#pending += 1;
    if (this.#pending >= this.#maxConnections) this.#idling = false;
    try {
      const mail = { ...this.#defaults, ...input };
      const call = mail.signal !== undefined ? { signal: mail.signal } : {};
      const info = mail.raw !== undefined
        ? await this.mailwire.sendRaw(rawEnvelope(mail), mail.raw, call)
        : await this.mailwire.send(await mapMessage(mail), call);
      return toNodemailerInfo(info);
    } catch (error) {
      throw toNodemailerError(error);
    } finally {
      this.#pending -= 1;
      if (!this.#idling && this.#pending < this.#maxConnections) {
        this.#idling = true;
        setImmediate(() => this.emit('idle'));
      }
    }
  }
}

/** The envelope of a raw message: `envelope`, or the addresses of from/to/cc/bcc (as nodemailer does). */
function rawEnvelope(mail: NodemailerMail): { from: string; to: string[] } {
  const bare = (value: NodemailerAddress | NodemailerAddress[] | undefined): string[] =>
    (value === undefined ? [] : Array.isArray(value) ? value : [value]).flatMap((v) =>
      typeof v === 'string' ? parseAddressList(v).map((m) => m.address) : [v.address],
    );
  const given = mail.envelope !== undefined ? mapEnvelope(mail.envelope) : {};
  const from = given.from ?? bare(mail.from)[0];
  const to = given.to ?? [...bare(mail.to), ...bare(mail.cc), ...bare(mail.bcc)];
  if (from === undefined || to.length === 0) {
    throw new SmtpError('EENVELOPE', 'a raw message needs envelope: { from, to } (or from and to fields)', { phase: 'compose', transient: false });
  }
  return { from, to };
}

/**
 * nodemailer's `createTransport(options, defaults)` for SMTP. `defaults` are merged into every message.
 * Options mailwire cannot honour are refused (ECONFIG naming them), never ignored.
 *
 * @example
 * ```ts
 * const transporter = createTransport({ host: '127.0.0.1', port: 587, secure: false, auth: { user: 'u', pass: 'p' } }, { from: 'app@example.com' });
 * transporter.sendMail({ to: 'b@example.com', subject: 'Hi', text: 'Hello' }, (err, info) => console.log(err ?? info.response));
 * ```
 */
export function createTransport(options?: NodemailerSmtpOptions, defaults?: NodemailerMail): NodemailerTransport {
  return new NodemailerTransport(options, defaults);
}

/** `import nodemailer from 'mailwire/nodemailer'` then `nodemailer.createTransport(...)`, as with nodemailer. */
const nodemailer = {
  /** The same as the named export `createTransport`. */
  createTransport,
};
export default nodemailer;
