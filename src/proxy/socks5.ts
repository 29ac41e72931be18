/**
 * The SOCKS5 client handshake (RFC 1928), with username/password authentication (RFC 1929).
 *
 *   greeting   05 n methods...            -> 05 method
 *   auth       01 ulen user plen pass     -> 01 status          (only when the proxy chose 02)
 *   connect    05 01 00 atyp addr port    -> 05 rep 00 atyp bnd.addr bnd.port
 *
 * A host name goes as ATYP 3 (the proxy resolves it: socks5h); the connector passes an IP literal instead
 * when it resolved the name itself (socks5, or socks5h with publicAddressesOnly).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parseIPv6 } from '../guards/ip.js';
import { printableBytes, type HandshakeStep, type ProxyCredentials, type ProxyHandshake, type TunnelTarget } from './handshake.js';

const VERSION = 0x05;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;

/** RFC 1928 section 6 reply codes. */
export const SOCKS5_REPLIES: Readonly<Record<number, string>> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** Codes about reaching the server (may work later); the others are the proxy's policy or abilities. */
const TRANSIENT_REPLIES = new Set([1, 3, 4, 5, 6]);

type Stage = 'method' | 'auth' | 'connect' | 'done' | 'failed';

export class Socks5Handshake implements ProxyHandshake {
  readonly #target: TunnelTarget;
  readonly #credentials: ProxyCredentials | undefined;
  #stage: Stage = 'method';
  #buffer: Uint8Array = new Uint8Array(0);

  constructor(target: TunnelTarget, credentials?: ProxyCredentials) {
    this.#target = target;
    this.#credentials = credentials;
    encodeAddress(target.host); // refuses an impossible target before any byte is sent
  }

  get waitingFor(): string {
    if (this.#stage === 'method') return 'the SOCKS5 method selection';
    if (this.#stage === 'auth') return 'the SOCKS5 username/password reply';
    return 'the SOCKS5 connect reply';
  }

  start(): Uint8Array {
    return this.#credentials ? Uint8Array.of(VERSION, 2, NO_AUTH, USER_PASS) : Uint8Array.of(VERSION, 1, NO_AUTH);
  }

  push(chunk: Uint8Array): HandshakeStep {
    if (this.#stage === 'done' || this.#stage === 'failed') return this.#fail('the handshake is already over', false);
    this.#buffer = this.#buffer.byteLength === 0 ? Uint8Array.from(chunk) : concat(this.#buffer, chunk);
    for (;;) {
      const step = this.#advance();
      if (step === undefined) return { state: 'continue' };
      // A step that sends bytes ends this push: the proxy answers them, not what is already buffered (if
      // anything is, the next stage reads it).
      if (step.state !== 'continue' || step.send !== undefined) return step;
    }
  }

  /** One stage, when its reply is complete; undefined when more bytes are needed. */
  #advance(): HandshakeStep | undefined {
    const b = this.#buffer;
    if (this.#stage === 'method') {
      if (b.byteLength < 2) return undefined;
      if (b[0] !== VERSION) return this.#notSocks(b);
      const method = b[1];
      this.#consume(2);
      if (method === NO_AUTH) return this.#connectRequest();
      if (method === USER_PASS && this.#credentials) {
        this.#stage = 'auth';
        return { state: 'continue', send: authRequest(this.#credentials) };
      }
      if (method === USER_PASS) return this.#fail('the proxy requires a username and password (socks5://user:pass@host:port)', false);
      if (method === NO_ACCEPTABLE) {
        return this.#fail(`the proxy accepts none of the offered authentication methods (${this.#credentials ? 'none, username/password' : 'none'})`, false);
      }
      return this.#fail(`the proxy chose authentication method ${String(method)}, which was not offered`, false);
    }
    if (this.#stage === 'auth') {
      if (b.byteLength < 2) return undefined;
      const status = b[1];
      this.#consume(2);
      // RFC 1929's reply version is 01; some proxies echo 05. Only the status matters.
      if (status !== 0) return this.#fail(`the proxy rejected the username/password (RFC 1929 status ${String(status)})`, false);
      return this.#connectRequest();
    }
    // connect reply
    if (b.byteLength < 2) return undefined;
    if (b[0] !== VERSION) return this.#notSocks(b);
    const rep = b[1] ?? 0;
    // A refusal is complete at its second byte; waiting for the bound address would only let a proxy that
    // closes right after it turn a clear answer into "closed during the handshake".
    if (rep !== 0) {
      const meaning = SOCKS5_REPLIES[rep] ?? 'unassigned reply code';
      return this.#fail(`SOCKS reply ${rep} (${meaning}) for ${describeTarget(this.#target)}`, TRANSIENT_REPLIES.has(rep));
    }
    if (b.byteLength < 5) return undefined;
    const atyp = b[3];
    const addressLength = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + (b[4] ?? 0) : -1;
    if (addressLength < 0) return this.#fail(`the proxy's connect reply has an unknown address type ${String(atyp)}`, false);
    const total = 4 + addressLength + 2;
    if (b.byteLength < total) return undefined;
    this.#stage = 'done';
    const leftover = b.subarray(total);
    this.#buffer = new Uint8Array(0);
    return { state: 'done', leftover };
  }

  #connectRequest(): HandshakeStep {
    this.#stage = 'connect';
    const { port, host } = this.#target;
    return { state: 'continue', send: concat(Uint8Array.of(VERSION, 0x01, 0x00), encodeAddress(host), Uint8Array.of(port >> 8, port & 0xff)) };
  }

  #notSocks(b: Uint8Array): HandshakeStep {
    const http = Buffer.from(b.subarray(0, 5)).toString('latin1') === 'HTTP/';
    return this.#fail(
      http
        ? `the proxy answered like an HTTP proxy ("${printableBytes(b, 40)}"): use an http:// proxy URL`
        : `the proxy does not speak SOCKS5 (it sent version ${String(b[0])})`,
      false,
    );
  }

  #fail(message: string, transient: boolean): HandshakeStep {
    this.#stage = 'failed';
    return { state: 'failed', failure: { message, transient } };
  }

  #consume(n: number): void {
    this.#buffer = this.#buffer.subarray(n);
  }
}

function authRequest(credentials: ProxyCredentials): Uint8Array {
  const user = Buffer.from(credentials.username, 'utf8');
  const pass = Buffer.from(credentials.password, 'utf8');
  return concat(Uint8Array.of(0x01, user.byteLength), user, Uint8Array.of(pass.byteLength), pass);
}

/** ATYP and address: 01 + 4 bytes, 04 + 16 bytes, or 03 + length + name. */
export function encodeAddress(host: string): Uint8Array {
  if (isIPv4(host)) return Uint8Array.of(0x01, ...host.split('.').map(Number));
  if (isIPv6(host)) {
    const groups = parseIPv6(host) ?? [];
    const out = new Uint8Array(17);
    out[0] = 0x04;
    groups.forEach((g, i) => {
      out[1 + i * 2] = g >> 8;
      out[2 + i * 2] = g & 0xff;
    });
    return out;
  }
  const name = Buffer.from(host, 'utf8');
  if (name.byteLength < 1 || name.byteLength > 255) throw new RangeError('a SOCKS5 host name must be 1 to 255 bytes');
  return concat(Uint8Array.of(0x03, name.byteLength), name);
}

function describeTarget(target: TunnelTarget): string {
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
