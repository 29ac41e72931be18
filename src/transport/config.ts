/**
 * The transport's configuration: what the user writes, and its checked, defaulted form.
 * Every mistake here is an ECONFIG error at createTransport(), before any socket is opened.
 */
import { SmtpError } from '../errors.js';
import type { AuthOptions, Protocol, Security, Timeouts } from '../connection/options.js';
import { DEFAULT_TIMEOUTS, SECURITY_MODES, defaultPort, validatePort } from '../connection/options.js';
import type { TlsSettings } from '../tls/policy.js';
import type { Connector } from '../tls/connector.js';
import type { TranscriptHook } from '../connection/transcript.js';
import type { PoolOptions } from '../pool/pool.js';
import type { RateLimit } from './rate-limiter.js';
import type { Resolver } from '../guards/destination.js';
import type { AddressInput } from '../mime/message.js';
import { resolvePreset } from './providers.js';
import { resolveOAuth2, type ResolvedOAuth2 } from './oauth2.js';
import { describeProxy, parseProxyUrl } from '../proxy/url.js';
import { createProxyConnector } from '../proxy/lazy-connector.js';
import { resolveDkim, type DkimOptions, type DkimSigner } from '../dkim/options.js';
import { unknownOption } from './config-keys.js';

/** @deprecated The same type as `AuthOptions` (one type for credentials); not exported from the package, kept so internal imports compile. */
export type AuthConfig = AuthOptions;

/** How often and how long to retry transient failures. */
export interface RetryConfig {
  /** Total tries per send, the first included (default 3). Only transient failures are retried. */
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
}

/** Safety limits of a transport: destination checks, size caps, file and URL access for attachments. */
export interface GuardConfig {
  /** Resolve the host once, refuse private/loopback/metadata addresses, and connect to the vetted address. */
  publicAddressesOnly: boolean;
  allowPort25: boolean;
  /** The whole message (default 64 MiB): a guard against runaway input; the server's SIZE decides the rest. */
  maxMessageBytes: number;
  /** `text` and `html`, each (default 10 MiB). */
  maxBodyBytes: number;
  maxCustomHeaders: number;
  /** false: attachments given by `path` are refused (EGUARD) before any file is touched. Default true. */
  fileAccess: boolean;
  /** false: attachments given by `href` are refused (EGUARD) before anything is fetched. Default true. */
  urlAccess: boolean;
}

/** What `createTransport()` takes (see docs/configuration.md). Unknown keys are refused with ECONFIG. */
export interface TransportConfig {
  /** A preset that fills host, port and security: 'gmail', 'outlook', 'office365', 'yahoo', 'sendgrid', 'mailgun', 'ses:REGION', ... */
  provider?: string;
  host?: string;
  port?: number;
  security?: Security;
  /** 'lmtp' for LMTP (RFC 2033): needs `port` or `socketPath`; one result per recipient. Default 'smtp'. */
  protocol?: Protocol;
  /** A Unix domain socket instead of host:port (host defaults to 'localhost', security to 'none'). */
  socketPath?: string;
  auth?: AuthOptions;
  allowInsecureAuth?: boolean;
  tls?: TlsSettings;
  clientName?: string;
  from?: AddressInput;
  pool?: Partial<Omit<PoolOptions, 'checkAfterIdleMs'>> & { checkAfterIdleMs?: number };
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryConfig>;
  guards?: Partial<GuardConfig>;
  /** Messages per interval across every connection of this transport. */
  rateLimit?: RateLimit;
  /**
   * Non-ASCII local parts (jörg@bücher.example) are composed by default and sent with SMTPUTF8 when the
   * server offers it (else the send fails before MAIL). false refuses them up front (EGUARD).
   */
  smtpUtf8?: boolean;
  onTranscript?: TranscriptHook;
  /**
   * Reach the server through a proxy: 'socks5://[user:pass@]host:port' (this side resolves the server's
   * name), 'socks5h://…' (the proxy resolves it), 'http://…' (HTTP CONNECT) or 'https://…' (CONNECT over
   * TLS to the proxy). TLS to the mail server (implicit or STARTTLS) runs through the tunnel unchanged.
   */
  proxy?: string;
  /** TLS settings for an https:// proxy's own certificate (e.g. `ca`); the mail server's stay in `tls`. */
  proxyTls?: TlsSettings;
  /** Replace how sockets are opened (tests). Cannot be combined with `proxy`. */
  connector?: Connector;
  /** Replace DNS resolution for the destination guard (tests). */
  resolver?: Resolver;
  /** DKIM-sign every message send() composes: one signer, or several (RSA + Ed25519). See docs/dkim.md. */
  dkim?: DkimOptions | DkimOptions[];
}

/** A `TransportConfig` checked and with every default filled in. */
export interface ResolvedConfig {
  host: string;
  port: number;
  security: Security;
  protocol: Protocol;
  socketPath: string | undefined;
  auth: AuthOptions | undefined;
  allowInsecureAuth: boolean;
  tls: TlsSettings;
  clientName: string | undefined;
  from: AddressInput | undefined;
  pool: Partial<PoolOptions>;
  timeouts: Timeouts;
  retry: RetryConfig;
  guards: GuardConfig;
  rateLimit: RateLimit | undefined;
  smtpUtf8: boolean;
  onTranscript: TranscriptHook | undefined;
  connector: Connector | undefined;
  /** The proxy as errors and pool keys name it (scheme://host:port, no credentials); undefined: direct. */
  proxyName: string | undefined;
  /** A keyed fingerprint source for the proxy's credentials, so two logins never share a pool. */
  proxySecret: string | undefined;
  resolver: Resolver | undefined;
  /** The DKIM signers, keys loaded and checked; undefined when the transport does not sign. */
  dkim: DkimSigner[] | undefined;
  /** Shown in errors about auth failures for known providers (app passwords, 'apikey' user...). */
  authHint: string | undefined;
  /** auth.oauth2 checked, with the provider preset's token endpoint filled in. */
  oauth2: ResolvedOAuth2 | undefined;
}

export const DEFAULT_RETRY: RetryConfig = { attempts: 3, minDelayMs: 500, maxDelayMs: 30_000 };
export const DEFAULT_GUARDS: GuardConfig = {
  publicAddressesOnly: false,
  allowPort25: true,
  maxMessageBytes: 64 * 1024 * 1024,
  maxBodyBytes: 10 * 1024 * 1024,
  maxCustomHeaders: 50,
  fileAccess: true,
  urlAccess: true,
};

const SECURITIES: readonly Security[] = SECURITY_MODES;

export function resolveConfig(input: TransportConfig): ResolvedConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw configError('the configuration must be an object');
  const unknown = unknownOption(input);
  if (unknown !== undefined) throw configError(unknown);
  if (typeof input.tls === 'boolean') {
    throw configError("tls takes node:tls options (ca, servername, minVersion ...): for TLS from the first byte use security: 'tls', for STARTTLS security: 'starttls'");
  }
  for (const key of ['auth', 'tls', 'timeouts', 'retry', 'guards'] as const) {
    const value: unknown = input[key];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) throw configError(`${key} must be an object`);
  }
  if (input.pool !== undefined && (typeof input.pool !== 'object' || input.pool === null)) {
    throw configError('pool takes options, e.g. pool: { maxConnections: 5 }: connections are always pooled (nodemailer\'s pool: true is not needed)');
  }
  if (input.rateLimit !== undefined && (typeof input.rateLimit !== 'object' || input.rateLimit === null)) {
    throw configError('rateLimit must be { messages, perMs }, e.g. { messages: 10, perMs: 1000 }');
  }
  const preset = input.provider === undefined ? undefined : resolvePreset(input.provider);
  const socketPath = input.socketPath;
  if (socketPath !== undefined && (typeof socketPath !== 'string' || socketPath === '' || /[\x00-\x1f\x7f]/.test(socketPath))) {
    throw configError('socketPath must be a non-empty path without control characters');
  }
  const host = input.host ?? preset?.host ?? (socketPath !== undefined ? 'localhost' : undefined);
  if (typeof host !== 'string' || host.trim() === '') throw configError('host is required (or a provider preset)');
  if (/[\s\x00-\x1f\x7f/]/.test(host)) throw configError(`host "${host.replace(/[\x00-\x1f\x7f]/g, '?')}" is not a host name or address`);
  const protocol = input.protocol ?? 'smtp';
  if (protocol !== 'smtp' && protocol !== 'lmtp') throw configError('protocol must be smtp or lmtp');
  if (protocol === 'lmtp' && input.port === undefined && socketPath === undefined) throw configError('LMTP has no default port: set port or socketPath');
  // Port 465 is implicit TLS everywhere: without this, starttls would wait for a greeting that never comes.
  const security = input.security ?? (input.port === 465 ? 'tls' : undefined) ?? preset?.security ?? (socketPath !== undefined ? 'none' : 'starttls');
  if (!SECURITIES.includes(security)) throw configError(`security must be one of ${SECURITIES.join(', ')}`);
  const port = validatePort(input.port ?? preset?.port ?? defaultPort(security));
  if (socketPath !== undefined && input.proxy !== undefined) throw configError('socketPath and proxy cannot both be set');
  if (socketPath !== undefined && input.guards?.publicAddressesOnly === true) {
    throw configError('guards.publicAddressesOnly refuses every local destination, and socketPath is one');
  }
  if (input.auth !== undefined) {
    if (typeof input.auth.user !== 'string' || input.auth.user === '') throw configError('auth.user is required when auth is set');
    if (input.auth.oauth2 !== undefined && (input.auth.getAccessToken !== undefined || input.auth.accessToken !== undefined || input.auth.pass !== undefined)) {
      throw configError('auth.oauth2 replaces pass, accessToken and getAccessToken: set only one of them');
    }
    if (input.auth.getAccessToken !== undefined && typeof input.auth.getAccessToken !== 'function') throw configError('auth.getAccessToken must be a function');
  }
  const oauth2 = input.auth?.oauth2 !== undefined ? resolveOAuth2(input.auth.oauth2, input.provider) : undefined;
  const retry = { ...DEFAULT_RETRY, ...input.retry };
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1) throw configError('retry.attempts must be an integer >= 1');
  const guards = { ...DEFAULT_GUARDS, ...input.guards };
  for (const key of ['publicAddressesOnly', 'allowPort25', 'fileAccess', 'urlAccess'] as const) {
    if (typeof guards[key] !== 'boolean') throw configError(`guards.${key} must be true or false`);
  }
  const timeouts = { ...DEFAULT_TIMEOUTS, ...input.timeouts };
  for (const [name, value] of Object.entries(timeouts)) {
    if (typeof value !== 'number' || !(value > 0)) throw configError(`timeouts.${name} must be a positive number of milliseconds`);
  }
  if (input.rateLimit && (!(input.rateLimit.messages >= 1) || !(input.rateLimit.perMs > 0))) {
    throw configError('rateLimit needs messages >= 1 and perMs > 0');
  }
  let connector = input.connector;
  let proxyName: string | undefined;
  let proxySecret: string | undefined;
  if (input.proxy !== undefined) {
    if (input.connector !== undefined) throw configError('proxy and connector cannot both be set (the proxy is a connector)');
    const spec = parseProxyUrl(input.proxy);
    proxyName = describeProxy(spec);
    proxySecret = spec.username !== undefined ? `${spec.username}\0${spec.password ?? ''}` : undefined;
    connector = createProxyConnector(spec, {
      ...(input.proxyTls ? { tls: input.proxyTls } : {}),
      ...(input.resolver ? { resolver: input.resolver } : {}),
    });
  } else if (input.proxyTls !== undefined) {
    throw configError('proxyTls is set but proxy is not');
  }
  return {
    host,
    port,
    security,
    protocol,
    socketPath,
    auth: input.auth,
    allowInsecureAuth: input.allowInsecureAuth ?? false,
    tls: input.tls ?? {},
    clientName: input.clientName,
    from: input.from,
    pool: input.pool ?? {},
    timeouts,
    retry,
    guards,
    rateLimit: input.rateLimit,
    smtpUtf8: input.smtpUtf8 !== false,
    onTranscript: input.onTranscript,
    connector,
    proxyName,
    proxySecret,
    resolver: input.resolver,
    authHint: preset?.authHint,
    dkim: input.dkim === undefined ? undefined : resolveDkim(input.dkim),
    oauth2,
  };
}

function configError(message: string): SmtpError {
  return new SmtpError('ECONFIG', `Invalid transport configuration: ${message}`, { phase: 'config', transient: false });
}
