/**
 * Opening the byte stream an SMTP session runs over.
 *
 * The connector is a plain replaceable function (as in undici): the connection never calls net/tls itself,
 * so tests hand in in-memory sockets and the destination guards can hand in a pinned address.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { SmtpError } from '../errors.js';
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import { buildTlsOptions, mapTlsError, type TlsSettings } from './policy.js';
import { connectWithDirectReads } from './direct-reads.js';

/** What a `Connector` is asked to open: host and port (or a vetted address, or a Unix socket), implicit TLS or not, the timeout and an AbortSignal. */
export interface ConnectRequest {
  host: string;
  port: number;
  /** An already resolved and vetted IP to connect to instead of resolving `host` (destination pinning). */
  address?: string;
  /** A Unix domain socket to connect to instead of host:port (LMTP's usual transport). */
  socketPath?: string;
  /** Implicit TLS (port 465, RFC 8314): the handshake happens before the greeting. */
  implicitTls: boolean;
  tls: TlsSettings;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a connector hands back: any duplex byte stream. `encrypted` tells the session whether it is TLS. */
export interface ConnectedSocket {
  stream: Duplex;
  encrypted: boolean;
  remoteAddress?: string;
}

/** Opens the socket for a connection (the `connector` option): replace it to use your own sockets, or in tests. */
export type Connector = (request: ConnectRequest) => Promise<ConnectedSocket>;

/** The default connector: node:net, and node:tls for implicit TLS. */
export const defaultConnector: Connector = (request) =>
  new Promise<ConnectedSocket>((resolve, reject) => {
    const target = request.address ?? request.host;
    let settled = false;
    let subscription: AbortSubscription | undefined;
    const where = request.socketPath !== undefined ? { path: request.socketPath } : { host: target, port: request.port };
    const socket: net.Socket = request.implicitTls
      ? tls.connect({ ...buildTlsOptions(request.host, request.tls), ...where })
      : connectWithDirectReads(where);
    const readyEvent = request.implicitTls ? 'secureConnect' : 'connect';

    const finish = (error?: SmtpError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
      socket.off('error', onError);
      socket.off(readyEvent, onReady);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        socket.setNoDelay(true);
        resolve({ stream: socket, encrypted: request.implicitTls, remoteAddress: socket.remoteAddress });
      }
    };
    const onReady = (): void => finish();
    const onError = (err: Error): void =>
      finish(request.implicitTls && isTlsFailure(err) ? mapTlsError(err, 'connect') : connectError(err, request));
    const onAbort = (): void =>
      finish(new SmtpError('EABORT', 'Connection attempt aborted', { phase: 'connect', transient: false }));
    const timer = setTimeout(
      () =>
        finish(
          new SmtpError('ETIMEDOUT', `Connection to ${describeDestination(request)} timed out after ${request.timeoutMs} ms`, {
            phase: 'connect',
            transient: true,
          }),
        ),
      request.timeoutMs,
    );
    timer.unref?.();
    if (request.signal?.aborted) return onAbort();
    if (request.signal) subscription = subscribeAbort(request.signal, onAbort);
    socket.once(readyEvent, onReady);
    socket.on('error', onError);
  });

function isTlsFailure(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|self.signed|SSL|TLS/i.test(code + err.message) || code === 'CERT_HAS_EXPIRED' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
}

function connectError(err: Error, request: ConnectRequest): SmtpError {
  const code = (err as NodeJS.ErrnoException).code;
  return new SmtpError('ECONNECTION', `Could not connect to ${describeDestination(request)}: ${code ?? err.message}`, {
    phase: 'connect',
    transient: true,
    cause: err,
  });
}

/** host:port, or the Unix socket's path. */
function describeDestination(request: ConnectRequest): string {
  return request.socketPath !== undefined ? `unix:${request.socketPath}` : `${request.host}:${request.port}`;
}
