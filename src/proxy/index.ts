/** Proxies: SOCKS5 (RFC 1928/1929) and HTTP CONNECT, as a Connector the session uses unchanged. */
export { createProxyConnector, type ProxyConnectorOptions } from './connector.js';
export { parseProxyUrl, describeProxy, type ProxySpec, type ProxyKind } from './url.js';
export { Socks5Handshake, SOCKS5_REPLIES } from './socks5.js';
export { HttpConnectHandshake } from './http-connect.js';
export { drive } from './handshake.js';
export type { ProxyHandshake, HandshakeStep, HandshakeFailure, TunnelTarget, ProxyCredentials } from './handshake.js';
