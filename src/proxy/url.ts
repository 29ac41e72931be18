/**
 * The `proxy` option: 'socks5://[user:pass@]host:port', 'socks5h://…', 'http://…' or 'https://…'.
 *
 * Parsed once, at configuration time, so a typo is an ECONFIG before any socket opens. The password is
 * kept only in the parsed value: every message (errors included) names the proxy by `describeProxy`,
 * which never carries it, and a malformed URL is reported without echoing what was written.
 */
import { SmtpError } from '../errors.js';

/** socks5 (this side resolves), socks5h (the proxy resolves), http (CONNECT) or https (CONNECT over TLS). */
export type ProxyKind = 'socks5' | 'socks5h' | 'http' | 'https';

/** A parsed proxy URL: kind, host, port and credentials. */
export interface ProxySpec {
  kind: ProxyKind;
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Ports a proxy URL without one gets: 1080 is SOCKS's registered port; http/https follow the URL rules. */
const DEFAULT_PORTS: Record<ProxyKind, number> = { socks5: 1080, socks5h: 1080, http: 80, https: 443 };

/** Parses and checks a proxy URL (`socks5://user:pass@host:1080`); ECONFIG when it is not one. */
export function parseProxyUrl(input: string): ProxySpec {
  if (typeof input !== 'string' || input === '') throw proxyConfigError('must be a URL such as socks5://host:1080 or http://host:3128');
  // Control characters and spaces would end up in a CONNECT request line: refuse them outright.
  if (/[\x00-\x20\x7f]/.test(input)) throw proxyConfigError('contains spaces or control characters');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw proxyConfigError('is not a valid URL (expected scheme://[user:pass@]host:port)');
  }
  const kind = url.protocol.slice(0, -1).toLowerCase();
  if (!isKind(kind)) throw proxyConfigError(`scheme "${kind}" is not supported: use socks5, socks5h, http or https`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw proxyConfigError('must not have a path, query or fragment');
  }
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw proxyConfigError('has no host');
  const port = url.port === '' ? DEFAULT_PORTS[kind] : Number(url.port);
  const spec: ProxySpec = { kind, host, port };
  if (url.username !== '' || url.password !== '') {
    const username = decode(url.username, 'user name');
    const password = decode(url.password, 'password');
    checkCredentials(kind, username, password);
    spec.username = username;
    spec.password = password;
  }
  return spec;
}

/** How the proxy is named in errors and logs: scheme, host and port; never the credentials. */
export function describeProxy(spec: ProxySpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.kind}://${host}:${spec.port}`;
}

function isKind(value: string): value is ProxyKind {
  return value === 'socks5' || value === 'socks5h' || value === 'http' || value === 'https';
}

function decode(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw proxyConfigError(`has a malformed percent-encoding in its ${what}`);
  }
}

function checkCredentials(kind: ProxyKind, username: string, password: string): void {
  if (/[\x00-\x1f\x7f]/.test(username + password)) throw proxyConfigError('credentials contain control characters');
  if (kind === 'socks5' || kind === 'socks5h') {
    // RFC 1929: each is 1 to 255 bytes.
    const u = Buffer.byteLength(username, 'utf8');
    const p = Buffer.byteLength(password, 'utf8');
    if (u < 1 || u > 255 || p < 1 || p > 255) throw proxyConfigError('SOCKS5 user name and password must each be 1 to 255 bytes (RFC 1929)');
  } else if (username.includes(':')) {
    // RFC 7617: Basic's user-id cannot hold a colon (the first colon separates it from the password).
    throw proxyConfigError('an HTTP proxy user name cannot contain ":"');
  }
}

function proxyConfigError(message: string): SmtpError {
  return new SmtpError('ECONFIG', `Invalid proxy: the proxy URL ${message}`, { phase: 'config', transient: false });
}
