/**
 * mailwire: the public surface. Everything a user imports comes from here; deeper paths are internal.
 */
export { SmtpError, type SmtpErrorCode, type SmtpPhase, type DeliveryState } from './errors.js';

// The transport: what most applications use.
export { createTransport, SmtpTransport, type SendInfo, type VerifyReport, type SendCallOptions } from './transport/transport.js';
export type { TransportConfig, AuthConfig, RetryConfig, GuardConfig, ResolvedConfig } from './transport/config.js';
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
export { startSink, type SinkOptions, type SinkServer, type SunkMessage } from './sink/index.js';

// The server audit (`mailwire audit`): smuggling, STARTTLS injection, TLS, AUTH, extensions, relay.
export { auditServer } from './audit/run.js';
export { AUDIT_CHECKS } from './audit/checks/index.js';
export { SMUGGLING_VARIANTS, type SmugglingVariant } from './audit/checks/smuggling-variants.js';
export type { AuditOptions, AuditReport, AuditTls, AuditSecurity, Finding, Severity, Skipped, SmugglingOutcome } from './audit/types.js';
