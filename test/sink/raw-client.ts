/**
 * A deliberately dumb SMTP client for the sink tests: writes exactly the bytes it is given, in the chunks
 * it is given, and collects complete replies (a reply ends at a line "NNN " or a bare "NNN").
 */

import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { TEST_CERTIFICATE } from '../../src/sink/index.js';

export interface Reply {
  code: number;
  lines: string[];
}

export class RawClient {
  socket: Socket | TLSSocket;
  #text = '';
  #replies: Reply[] = [];
  #current: string[] = [];
  #waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.#attach(socket);
  }

  static async open(port: number, options: { implicitTls?: boolean } = {}): Promise<RawClient> {
    const socket = options.implicitTls
      ? tlsConnect({ host: '127.0.0.1', port, ca: TEST_CERTIFICATE, servername: 'localhost' })
      : connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.implicitTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('utf8');
    socket.on('data', this.#onData);
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  readonly #onData = (text: string): void => {
    this.#text += text;
    let nl: number;
    while ((nl = this.#text.indexOf('\r\n')) !== -1) {
      const line = this.#text.slice(0, nl);
      this.#text = this.#text.slice(nl + 2);
      this.#current.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        this.#replies.push({ code: Number(line.slice(0, 3)), lines: this.#current });
        this.#current = [];
      }
    }
    this.#wake();
  };

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with the next `n` replies (rejects if the connection closes first). */
  async replies(n: number): Promise<Reply[]> {
    while (this.#replies.length < n) {
      if (this.closed) throw new Error(`connection closed after ${this.#replies.length}/${n} replies`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.#replies.splice(0, n);
  }

  async reply(): Promise<Reply> {
    const [r] = await this.replies(1);
    return r as Reply;
  }

  /** Send one command and return its reply. */
  async cmd(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** Replies received so far and not yet taken (for "nothing more arrived" checks). */
  pending(): number {
    return this.#replies.length + (this.#current.length > 0 ? 1 : 0) + (this.#text.length > 0 ? 1 : 0);
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** STARTTLS was answered 220: run the handshake on this socket, trusting the bundled test cert. */
  async upgrade(): Promise<void> {
    const plain = this.socket;
    plain.removeListener('data', this.#onData);
    const secure = tlsConnect({ socket: plain, ca: TEST_CERTIFICATE, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.#attach(secure);
  }

  close(): void {
    this.socket.destroy();
  }
}

export const codes = (replies: Reply[]): number[] => replies.map((r) => r.code);
