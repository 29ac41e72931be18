/**
 * A Connector that reaches the mail server through a proxy: open a socket to the proxy (TLS for https://),
 * run the SOCKS5 or HTTP CONNECT handshake over it, then hand the tunnel to the session exactly as the
 * default connector hands a socket: implicit TLS is set up here, through the tunnel, against the mail
 * server's name; STARTTLS happens later in the session. The proxy never sees the mail server's TLS.
 *
 * One timer (the connect timeout) covers resolving, reaching the proxy, its handshake and implicit TLS.
 * Errors name the proxy by describeProxy() (scheme, host, port), never with its credentials.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { SmtpError } from '../errors.js';
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import type { ConnectRequest, ConnectedSocket, Connector } from '../tls/connector.js';
import { buildTlsOptions, mapTlsError, type TlsSettings } from '../tls/policy.js';
import { resolvePinned, systemResolver, type Resolver } from '../guards/destination.js';
import { describeProxy, parseProxyUrl, type ProxySpec } from './url.js';
import { drive, type ProxyHandshake, type TunnelTarget } from './handshake.js';
import { Socks5Handshake } from './socks5.js';
import { HttpConnectHandshake } from './http-connect.js';

/** Options of `createProxyConnector`: TLS settings for an https:// proxy, and the resolver. */
export interface ProxyConnectorOptions {
  /**
   * TLS settings for an https:// proxy's own certificate (checked against the proxy's host name and the
   * default CA store unless `ca` is given here). The mail server's TLS settings stay in `tls`.
   */
  tls?: TlsSettings;
  /** Resolves the mail server's name for socks5:// (the client resolves). Default: the system resolver. */
  resolver?: Resolver;
}

/** Builds the connector for a proxy URL (or an already parsed one). Throws ECONFIG for a bad URL. */
export function createProxyConnector(proxy: string | ProxySpec, options: ProxyConnectorOptions = {}): Connector {
  const spec = typeof proxy === 'string' ? parseProxyUrl(proxy) : proxy;
  const name = describeProxy(spec);
  return (request) =>
    new Promise<ConnectedSocket>((resolve, reject) => {
      const attempt: Attempt = { socket: undefined, waitingFor: `a connection to the proxy ${name}`, over: false };
      let subscription: AbortSubscription | undefined;
      const stop = (error: SmtpError): void => {
        if (attempt.over) return;
        attempt.over = true;
        cleanup();
        attempt.socket?.destroy();
        reject(error);
      };
      const onAbort = (): void => stop(new SmtpError('EABORT', 'Connection attempt aborted', { phase: 'connect', transient: false }));
      const timer = setTimeout(() => {
        stop(
          new SmtpError(
            'ETIMEDOUT',
            `Connection to ${request.host}:${request.port} through proxy ${name} timed out after ${request.timeoutMs} ms (waiting for ${attempt.waitingFor})`,
            { phase: 'connect', transient: true },
          ),
        );
      }, request.timeoutMs);
      timer.unref?.();
      const cleanup = (): void => {
        clearTimeout(timer);
        subscription?.unsubscribe();
      };
      if (request.signal?.aborted) return onAbort();
      if (request.signal) subscription = subscribeAbort(request.signal, onAbort);
      connectThrough(spec, name, request, options, attempt).then(
        (connected) => {
          if (attempt.over) {
            connected.stream.destroy();
            return;
          }
          attempt.over = true;
          cleanup();
          resolve(connected);
        },
        (error: unknown) =>
          stop(SmtpError.from(error, { code: 'ECONNECTION', phase: 'connect', message: `Proxy ${name}: ${String(error)}` })),
      );
    });
}

/** The sockets of one attempt, so a timeout or abort can destroy whichever is open. */
interface Attempt {
  socket: Duplex | undefined;
  waitingFor: string;
  over: boolean;
}

async function connectThrough(spec: ProxySpec, name: string, request: ConnectRequest, options: ProxyConnectorOptions, attempt: Attempt): Promise<ConnectedSocket> {
  const target = await tunnelTarget(spec, request, options.resolver ?? systemResolver);
  if (attempt.over) throw new SmtpError('ECONNECTION', 'attempt already over', { phase: 'connect' });
  const socket = await openToProxy(spec, name, options.tls, attempt);
  const credentials = spec.username !== undefined && spec.password !== undefined ? { username: spec.username, password: spec.password } : undefined;
  const handshake: ProxyHandshake = spec.kind === 'socks5' || spec.kind === 'socks5h' ? new Socks5Handshake(target, credentials) : new HttpConnectHandshake(target, credentials);
  const leftover = await runHandshake(socket, handshake, name, attempt);
  const remoteAddress = sessionAddress(request, target, socket);
  if (!request.implicitTls) {
    // What came with the proxy's answer is the server's first bytes (its greeting): give them back.
    if (leftover.byteLength > 0) socket.unshift(Buffer.from(leftover));
    return { stream: socket, encrypted: false, ...(remoteAddress !== undefined ? { remoteAddress } : {}) };
  }
  if (leftover.byteLength > 0) {
    // With implicit TLS the client speaks first; plaintext from the server before that is not TLS.
    throw new SmtpError('ECONNECTION', `The server sent plaintext through proxy ${name} before the TLS handshake (is port ${request.port} really implicit TLS?)`, { phase: 'connect', transient: false });
  }
  attempt.waitingFor = `the TLS handshake with ${request.host}:${request.port}`;
  const secure = await tlsThroughTunnel(socket, request, attempt);
  return { stream: secure, encrypted: true, ...(remoteAddress !== undefined ? { remoteAddress } : {}) };
}

/**
 * What the proxy is asked to connect to. A pinned address (publicAddressesOnly) always wins: the proxy
 * must not resolve the name again. socks5:// resolves here; socks5h:// and HTTP send the name.
 */
async function tunnelTarget(spec: ProxySpec, request: ConnectRequest, resolver: Resolver): Promise<TunnelTarget> {
  if (request.address !== undefined) return { host: request.address, port: request.port };
  const host = request.host.startsWith('[') && request.host.endsWith(']') ? request.host.slice(1, -1) : request.host;
  if (spec.kind !== 'socks5' || net.isIP(host) !== 0) return { host, port: request.port };
  const resolved = await resolvePinned(host, false, resolver);
  return { host: resolved.address, port: request.port };
}

function openToProxy(spec: ProxySpec, name: string, tlsSettings: TlsSettings | undefined, attempt: Attempt): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const secure = spec.kind === 'https';
    const socket = secure
      ? tls.connect({ ...buildTlsOptions(spec.host, tlsSettings), host: spec.host, port: spec.port })
      : net.connect({ host: spec.host, port: spec.port });
    attempt.socket = socket;
    const ready = secure ? 'secureConnect' : 'connect';
    const onReady = (): void => {
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    };
    const onError = (err: Error): void => {
      socket.off(ready, onReady);
      socket.destroy();
      const code = (err as NodeJS.ErrnoException).code;
      const tlsFailure = secure && code !== 'ECONNREFUSED' && code !== 'ECONNRESET' && code !== 'ENOTFOUND' && code !== 'EHOSTUNREACH';
      reject(
        new SmtpError(
          'ECONNECTION',
          tlsFailure
            ? `TLS to proxy ${name} failed: ${err.message} (the proxy's certificate is checked against proxyTls, else the default CAs)`
            : `Could not connect to proxy ${name}: ${code ?? err.message}`,
          { phase: 'connect', transient: !tlsFailure, cause: err },
        ),
      );
    };
    socket.once(ready, onReady);
    socket.once('error', onError);
  });
}

/** Runs a handshake over the socket in paused mode, so no byte after the proxy's answer is lost. */
function runHandshake(socket: Duplex, handshake: ProxyHandshake, name: string, attempt: Attempt): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error: SmtpError | undefined, leftover?: Uint8Array): void => {
      if (done) return;
      done = true;
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (error) reject(error);
      else resolve(leftover ?? new Uint8Array(0));
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!done && (chunk = socket.read() as Buffer | null) !== null) {
        const { send, step } = drive(handshake, chunk);
        for (const bytes of send) socket.write(bytes);
        attempt.waitingFor = handshake.waitingFor;
        if (step.state === 'failed') {
          const { message, transient } = step.failure;
          return finish(new SmtpError('ECONNECTION', `Proxy ${name} did not open the tunnel: ${message}`, { phase: 'connect', transient }));
        }
        if (step.state === 'done') return finish(undefined, step.leftover);
      }
    };
    const onEnd = (): void =>
      finish(new SmtpError('ECONNECTION', `Proxy ${name} closed the connection while the client was waiting for ${handshake.waitingFor}`, { phase: 'connect', transient: true }));
    const onError = (err: Error): void =>
      finish(new SmtpError('ECONNECTION', `Proxy ${name} failed during the handshake: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { phase: 'connect', transient: true, cause: err }));
    attempt.waitingFor = handshake.waitingFor;
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    socket.write(handshake.start());
  });
}

function tlsThroughTunnel(tunnel: Duplex, request: ConnectRequest, attempt: Attempt): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    // The mail server's name, certificate and settings: the same as a direct implicit-TLS connection.
    const secure = tls.connect({ ...buildTlsOptions(request.host, request.tls), socket: tunnel });
    attempt.socket = secure;
    const onReady = (): void => {
      secure.off('error', onError);
      resolve(secure);
    };
    const onError = (err: Error): void => {
      secure.off('secureConnect', onReady);
      secure.destroy();
      tunnel.destroy();
      reject(mapTlsError(err, 'connect'));
    };
    secure.once('secureConnect', onReady);
    secure.once('error', onError);
  });
}

/**
 * The address the session judges "loopback" by (plaintext AUTH is allowed only to loopback). Through a
 * proxy the credentials cross the client-to-proxy leg too, so a loopback target counts as loopback only
 * when the proxy is too: the proxy's address is reported then. Otherwise the target's, if it is an IP.
 */
function sessionAddress(request: ConnectRequest, target: TunnelTarget, socket: Duplex): string | undefined {
  const proxyAddress = (socket as net.Socket).remoteAddress;
  if (looksLoopback(request.host) || looksLoopback(target.host)) return proxyAddress ?? '0.0.0.0';
  return net.isIP(target.host) !== 0 ? target.host : undefined;
}

function looksLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h.startsWith('127.') || h === '::1' || h.startsWith('::ffff:127.');
}
