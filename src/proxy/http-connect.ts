/**
 * The HTTP CONNECT handshake (RFC 9110 section 9.3.6) with Basic proxy authentication (RFC 7617).
 *
 *   CONNECT host:port HTTP/1.1 / Host / [Proxy-Authorization: Basic ...]  ->  HTTP/1.x 2xx ... CRLF CRLF
 *
 * Any 2xx opens the tunnel; bytes after the blank line already belong to it. Anything else is a refusal
 * reported with its status line (407: the credentials, 403: the proxy's rules, 502/503/504: it could not
 * reach the server).
 */
import { printableBytes, type HandshakeStep, type ProxyCredentials, type ProxyHandshake, type TunnelTarget } from './handshake.js';

/** A proxy's answer head is a few hundred bytes; beyond this it is not answering CONNECT. */
const MAX_HEAD_BYTES = 16 * 1024;
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;
/** The proxy could not reach the server (or timed out doing so): another try later may work. */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);

export class HttpConnectHandshake implements ProxyHandshake {
  readonly #target: TunnelTarget;
  readonly #credentials: ProxyCredentials | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #over = false;

  constructor(target: TunnelTarget, credentials?: ProxyCredentials) {
    this.#target = target;
    this.#credentials = credentials;
  }

  readonly waitingFor = "the HTTP proxy's answer to CONNECT";

  start(): Uint8Array {
    const authority = `${this.#target.host.includes(':') ? `[${this.#target.host}]` : this.#target.host}:${this.#target.port}`;
    let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
    if (this.#credentials) {
      const token = Buffer.from(`${this.#credentials.username}:${this.#credentials.password}`, 'utf8').toString('base64');
      head += `Proxy-Authorization: Basic ${token}\r\n`;
    }
    return Buffer.from(`${head}\r\n`, 'utf8');
  }

  push(chunk: Uint8Array): HandshakeStep {
    if (this.#over) return { state: 'failed', failure: { message: 'the handshake is already over', transient: false } };
    const searchFrom = Math.max(0, this.#buffer.byteLength - 3);
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf(END_OF_HEAD, searchFrom);
    if (end < 0) {
      if (this.#buffer.byteLength > MAX_HEAD_BYTES) return this.#fail(`the proxy's answer has no end of header within ${MAX_HEAD_BYTES} bytes`, false);
      // A non-HTTP peer (a SOCKS proxy, an SMTP server) shows itself in its first bytes: say so now
      // rather than wait for a blank line that never comes.
      if (this.#buffer.byteLength >= 5 && !this.#buffer.subarray(0, 5).equals(Buffer.from('HTTP/'))) return this.#notHttp();
      return { state: 'continue' };
    }
    this.#over = true;
    const head = this.#buffer.subarray(0, end);
    const lineEnd = head.indexOf('\r\n');
    const statusLine = (lineEnd < 0 ? head : head.subarray(0, lineEnd)).toString('latin1');
    const match = STATUS_LINE.exec(statusLine);
    if (!match) return this.#notHttp();
    const status = Number(match[1]);
    if (status >= 200 && status < 300) return { state: 'done', leftover: this.#buffer.subarray(end + END_OF_HEAD.byteLength) };
    return this.#fail(`"${printableBytes(Buffer.from(statusLine, 'latin1'))}"${hint(status, this.#credentials !== undefined)}`, TRANSIENT_STATUSES.has(status));
  }

  #notHttp(): HandshakeStep {
    return this.#fail(`the proxy did not answer CONNECT with HTTP ("${printableBytes(this.#buffer, 40)}")`, false);
  }

  #fail(message: string, transient: boolean): HandshakeStep {
    this.#over = true;
    return { state: 'failed', failure: { message, transient } };
  }
}

function hint(status: number, withCredentials: boolean): string {
  // 401 is what some proxies send instead of 407 (tinyproxy's BasicAuth does): the same meaning here.
  if (status === 407 || status === 401) {
    return withCredentials ? ': the proxy refused the credentials' : ': the proxy wants credentials (http://user:pass@host:port)';
  }
  if (status === 403) return ': the proxy does not allow this destination';
  if (TRANSIENT_STATUSES.has(status)) return ': the proxy could not reach the server';
  return '';
}
