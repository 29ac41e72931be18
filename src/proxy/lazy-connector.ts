/**
 * createProxyConnector() without loading the proxy handshakes (SOCKS5, HTTP CONNECT, the tunnel's TLS) until
 * the first connection through it: the URL is checked now (ECONFIG at once, as before); the code that
 * speaks to the proxy is loaded when a connection is first opened. A transport without `proxy` never loads it.
 */
import type { Connector } from '../tls/connector.js';
import type { ProxyConnectorOptions } from './connector.js';
import { describeProxy, parseProxyUrl, type ProxySpec } from './url.js';

/** Builds the connector for a proxy URL (or an already parsed one). Throws ECONFIG for a bad URL. */
export function createProxyConnector(proxy: string | ProxySpec, options: ProxyConnectorOptions = {}): Connector {
  const spec = typeof proxy === 'string' ? parseProxyUrl(proxy) : proxy;
  describeProxy(spec);
  let loaded: Promise<Connector> | undefined;
  return async (request) => {
    loaded ??= import('./connector.js').then((m) => m.createProxyConnector(spec, options));
    return (await loaded)(request);
  };
}
