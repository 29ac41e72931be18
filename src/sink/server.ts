/**
 * startSink: mailwire's own local SMTP capture server. Listens (loopback by default), runs one
 * SinkSession per connection, counts, and shuts down cleanly: close() waits for sockets and for message
 * files still being written, so a test that awaited close() sees every file complete.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { SmtpError } from '../errors.js';
import { resolveOptions, type SinkConfig } from './options.js';
import { R } from './replies.js';
import { SinkSession, type SessionHost } from './session.js';
import type { SinkOptions, SinkServer, SinkStats } from './types.js';

class Sink implements SessionHost {
  readonly config: SinkConfig;
  readonly stats: SinkStats = { connections: 0, messages: 0, bytes: 0, rejected: 0 };
  readonly #server: Server;
  readonly #sessions = new Set<SinkSession>();
  readonly #work = new Set<Promise<unknown>>();
  /** Random per server start, so ids (and file names) do not collide across restarts on one dir. */
  readonly #idPrefix = randomBytes(5).toString('hex');
  #counter = 0;
  #closing: Promise<void> | undefined;

  constructor(config: SinkConfig) {
    this.config = config;
    this.#server = createServer({ noDelay: true }, this.#onConnection);
  }

  get host(): string {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address.address : this.config.host;
  }

  get port(): number {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address.port : this.config.port;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.config.implicitTls ? 'smtps' : 'smtp'}://${host}:${this.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new SmtpError('ECONFIG', `sink: cannot listen on ${this.config.host}:${this.config.port}: ${err.message}`, { cause: err }));
      };
      this.#server.once('error', onError);
      this.#server.listen(this.config.port, this.config.host, () => {
        this.#server.off('error', onError);
        this.#server.on('error', () => {}); // after listening, per-socket errors are handled by sessions
        resolve();
      });
    });
  }

  nextId(): string {
    this.#counter++;
    return `${this.#idPrefix}${this.#counter.toString(36).padStart(6, '0')}`;
  }

  track(work: Promise<unknown>): void {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work)).catch(() => {});
  }

  closed(session: SinkSession): void {
    this.#sessions.delete(session);
  }

  readonly #onConnection = (socket: Socket): void => {
    this.stats.connections++;
    if (this.#closing || this.#sessions.size >= this.config.maxConnections) {
      socket.on('error', () => {});
      if (this.config.implicitTls) socket.destroy(); // a plaintext 421 would be garbage to a TLS client
      else socket.end(R.tooManyConnections);
      return;
    }
    this.#sessions.add(new SinkSession(socket, this));
  };

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      for (const session of this.#sessions) session.shutdown();
      await stopped;
      while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
    })();
    return this.#closing;
  }
}

/**
 * Start the capture server; resolves once it is listening (see `.port` / `.url`).
 *
 * @example
 * ```ts
 * const sink = await startSink({ port: 0 });
 * const transport = createTransport({ host: sink.host, port: sink.port, security: 'none' });
 * await transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'hi' });
 * await sink.close();
 * ```
 */
export async function startSink(options?: SinkOptions): Promise<SinkServer> {
  const config = resolveOptions(options);
  if (config.dir !== undefined) {
    try {
      mkdirSync(config.dir, { recursive: true });
    } catch (cause) {
      throw new SmtpError('ECONFIG', `sink: cannot create directory ${config.dir}`, { phase: 'config', cause });
    }
  }
  const sink = new Sink(config);
  await sink.listen();
  // A small view, so callers see the contract and not the session plumbing.
  return Object.freeze({
    get host() {
      return sink.host;
    },
    get port() {
      return sink.port;
    },
    get url() {
      return sink.url;
    },
    stats: sink.stats,
    close: () => sink.close(),
  });
}
