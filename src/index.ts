/**
 * mailwire: the public surface. Everything a user imports comes from here; deeper paths are internal.
 */
export { SmtpError, type SmtpErrorCode, type SmtpPhase, type DeliveryState } from './errors.js';

// The transport: what most applications use.
export { createTransport, SmtpTransport, type SendInfo, type VerifyReport, type SendCallOptions } from './transport/transport.js';
export type { TransportConfig, RetryConfig, GuardConfig, ResolvedConfig } from './transport/config.js';
export type { TransportEventMap } from './transport/events.js';
export { resolvePreset, providerNames, type ProviderPreset } from './transport/providers.js';

// Messages.
export { compose, composeToBuffer, prepareMessage, type ComposeOptions, type PreparedMessage } from './mime/compose.js';
export type { MailMessage, Attachment, AddressInput, IcalEvent } from './mime/message.js';

// One session, for conformance and benchmark users.
export { SmtpConnection, type ConnectionState, type SessionTimings } from './connection/smtp-connection.js';
export type { ConnectionOptions, Security, Timeouts, AuthOptions } from './connection/options.js';
export type { Envelope, SendOptions, SendResult, RejectedRecipient, DsnOptions, MessageBody } from './connection/transaction.js';
export type { TranscriptEntry, TranscriptHook } from './connection/transcript.js';
export type { Connector, ConnectRequest, ConnectedSocket } from './tls/connector.js';
export type { TlsInfo } from './tls/upgrade.js';
export type { TlsSettings } from './tls/policy.js';
export type { Capabilities } from './protocol/capabilities.js';
export type { Reply } from './protocol/reply.js';
export type { AuthMethod } from './sasl/select.js';
export type { Resolver } from './guards/destination.js';

// The pool, for users who build their own scheduling.
export { ConnectionPool, type PoolOptions, type PooledConnection } from './pool/pool.js';

// The local capture server (demo, tests, benchmarks).
export { startSink } from './sink/entry.js';
export type { SinkOptions, SinkServer, SunkMessage } from './sink/index.js';

// Errors: the shapes SmtpError.from() and error.with() take.
export type { SmtpErrorOptions, SmtpErrorFallback, SmtpErrorChanges } from './errors.js';

// One list of security modes (for config screens and CLIs); DSN notify keywords.
export { SECURITY_MODES } from './connection/options.js';
export type { DsnNotify } from './guards/ids.js';

// Types that public signatures already use (SmtpConnection.mail/rcpt, TransportConfig.rateLimit,
// ComposeOptions), so callers can name them without reaching into internal paths.
export type { MailParams, RcptParams, NotifyEvent } from './protocol/commands.js';
export type { RateLimit } from './transport/rate-limiter.js';
export type { GuardLimits } from './guards/limits.js';
export type { HttpsFetcher, FetchedResource } from './mime/fetch.js';

// Proxies (SOCKS5, SOCKS5h, HTTP CONNECT, https:// proxies) and LMTP (issue 17). The transport takes
// `proxy`/`proxyTls` and `protocol: 'lmtp'`/`socketPath`; a bare SmtpConnection takes
// `connector: createProxyConnector(url)` and the same `protocol`/`socketPath`.
export { createProxyConnector } from './proxy/lazy-connector.js';
export { parseProxyUrl, describeProxy, type ProxySpec, type ProxyKind } from './proxy/url.js';
export type { ProxyConnectorOptions } from './proxy/connector.js';
export type { Protocol } from './connection/options.js';

// Servers that refuse commands pipelined behind the end of a message (issue 14): an SmtpConnection can share
// what it learned with others to the same server (the transport keeps one per pool key).
export type { CrossMessagePipelining } from './connection/options.js';

// DKIM signing (RFC 6376, RFC 8463): the `dkim` transport option signs in send(); signDkim is for sendRaw.
export { signDkim } from './dkim/entry.js';
export type { DkimOptions, DkimCanonicalization } from './dkim/options.js';

// First contact (issue 18): the flat platform configuration (shared with the CLI's config file), the fix
// for a failure in library terms (SmtpError.hint or advice), and verify({ to })'s types.
export { loadConfig, type FlatConfig } from './transport/load-config.js';
export { explainError } from './transport/hints.js';
export type { VerifyOptions, VerifyTestMessage } from './transport/transport.js';

// The server audit (`mailwire audit`): smuggling, STARTTLS injection, TLS, AUTH, extensions, relay.
export { auditServer } from './audit/entry.js';
export { AUDIT_CHECKS } from './audit/checks/index.js';
export { SMUGGLING_VARIANTS, type SmugglingVariant } from './audit/checks/smuggling-variants.js';
export type { AuditOptions, AuditReport, AuditTls, AuditSecurity, Finding, Severity, Skipped, SmugglingOutcome } from './audit/types.js';

// OAuth2 that renews itself, OAUTHBEARER, REQUIRETLS, SMTPUTF8 by itself, info.warnings (issue 17).
// `auth: { user, oauth2 }` or `auth: { user, getAccessToken: ({ refresh }) => ... }`; the transport renews a
// refused token once. Token endpoints of the presets, for config screens that show them.
export type { OAuth2Options } from './connection/options.js';
export { GOOGLE_TOKEN_URL, microsoftTokenUrl, type ResolvedOAuth2 } from './transport/oauth2.js';
export type { TlsCertificateSummary } from './tls/summary.js';

// API reference (issue 18): types that public signatures use, exported so the docs (and callers) can name them.
export type { AddressListInput } from './mime/message.js';
export type { SinkStats } from './sink/types.js';
export type { PoolSendResult, PoolEvents, ConnectionFactory } from './pool/pool.js';
export type { ResolvedAddress } from './guards/destination.js';
export type { ReplayableBody } from './connection/body-source.js';
