/**
 * Fetches `href` attachments over https, defensively: this is a server fetching a URL a user supplied,
 * the textbook SSRF setup.
 *   - https: only, no credentials in the URL;
 *   - the host is resolved once through the destination guard and the connection is pinned to that
 *     address (custom `lookup`), so DNS cannot be rebound between the check and the connect; TLS still
 *     verifies the certificate against the host name;
 *   - redirects are not followed (a 3xx is an error like any non-2xx);
 *   - the body is capped (Content-Length checked up front, then counted) and the whole request has a
 *     deadline.
 */

import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { SmtpError, guardError } from '../errors.js';
import { resolvePinned, systemResolver, type Resolver } from '../guards/destination.js';
import { printable } from '../guards/text.js';

/** What an `HttpsFetcher` returns for an `href` attachment: the bytes and the content type. */
export interface FetchedResource {
  data: Buffer;
  /** The response's Content-Type, if any (validated by the caller before use). */
  contentType?: string;
}

/** Fetches one URL. Injectable through ComposeOptions.fetcher. */
export type HttpsFetcher = (url: string, limits: { maxBytes: number }) => Promise<FetchedResource>;

export interface HttpsFetcherOptions {
  /** Refuse hosts that resolve to loopback/private/link-local/... addresses. Default true. */
  publicAddressesOnly?: boolean;
  /** Name resolution, injectable for tests. Default: the system resolver. */
  resolver?: Resolver;
  /** Deadline for the whole request, connect to last byte. Default 30 s. */
  timeoutMs?: number;
  /** Body cap; the smaller of this and the caller's limit applies. Default 25 MiB. */
  maxBytes?: number;
  /** Extra trusted CA certificates (node:tls `ca`). */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** A URL for error messages: no query string (it may carry a token). */
function shown(url: URL): string {
  return printable(`${url.protocol}//${url.host}${url.pathname}`, 120);
}

export function createHttpsFetcher(options: HttpsFetcherOptions = {}): HttpsFetcher {
  const publicOnly = options.publicAddressesOnly ?? true;
  const resolver = options.resolver ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const ownMax = options.maxBytes ?? 25 * 1024 * 1024;

  return async (href, limits) => {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      throw guardError(`href: not a valid URL`);
    }
    if (url.protocol !== 'https:') throw guardError(`href: only https: URLs are allowed (${printable(url.protocol)})`);
    if (url.username !== '' || url.password !== '') throw guardError('href: credentials in the URL are not allowed');
    const port = url.port === '' ? 443 : Number(url.port);
    const host = url.hostname;
    const deadline = Date.now() + timeoutMs;
    const timedOut = (): SmtpError =>
      new SmtpError('ETIMEDOUT', `href: ${shown(url)} did not complete within ${timeoutMs} ms`, { phase: 'compose' });
    // Name resolution counts against the same deadline as the request.
    let resolveTimer: NodeJS.Timeout | undefined;
    const pinned = await Promise.race([
      resolvePinned(host, publicOnly, resolver),
      new Promise<never>((_, reject) => {
        resolveTimer = setTimeout(() => reject(timedOut()), timeoutMs);
      }),
    ]).finally(() => clearTimeout(resolveTimer));
    const maxBytes = Math.min(ownMax, limits.maxBytes);

    const lookup: LookupFunction = (_name, opts, callback) => {
      // net may ask for all addresses (autoSelectFamily); either way it only ever gets the pinned one.
      if (typeof opts === 'object' && opts !== null && (opts as { all?: boolean }).all === true) {
        (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
      } else {
        callback(null, pinned.address, pinned.family);
      }
    };

    return new Promise<FetchedResource>((resolve, reject) => {
      let settled = false;
      const fail = (err: SmtpError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const req = request({
        host: host.startsWith('[') ? host.slice(1, -1) : host,
        port,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        lookup,
        agent: false, // no pooled socket that might point elsewhere
        ca: options.ca,
        headers: { 'user-agent': 'mailwire', accept: '*/*', 'accept-encoding': 'identity' },
      });
      const timer = setTimeout(() => fail(timedOut()), Math.max(1, deadline - Date.now()));
      req.on('error', (cause: NodeJS.ErrnoException) => {
        // Certificate and handshake failures are ETLS, like everywhere else in mailwire.
        const tls = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(cause.code ?? '');
        fail(new SmtpError(tls ? 'ETLS' : 'ECONNECTION', `href: cannot fetch ${shown(url)}: ${cause.message}`, { phase: 'compose', cause }));
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          res.resume();
          const why = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
          fail(new SmtpError('ECONNECTION', `href: ${shown(url)} answered HTTP ${status}${why}`, { phase: 'compose', transient: status >= 500 }));
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          fail(guardError(`href: ${shown(url)} is larger than ${maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) {
            fail(guardError(`href: ${shown(url)} is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (cause) => {
          fail(new SmtpError('ECONNECTION', `href: ${shown(url)} failed while reading: ${cause.message}`, { phase: 'compose', cause }));
        });
        res.on('end', () => {
          if (settled) return;
          if (!res.complete) {
            fail(new SmtpError('ECONNECTION', `href: ${shown(url)} ended early`, { phase: 'compose' }));
            return;
          }
          settled = true;
          clearTimeout(timer);
          const type = res.headers['content-type'];
          resolve(type === undefined ? { data: Buffer.concat(chunks, total) } : { data: Buffer.concat(chunks, total), contentType: type });
        });
      });
      req.end();
    });
  };
}
