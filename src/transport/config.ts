/**
 * The transport's configuration: what the user writes, and its checked, defaulted form.
 * Every mistake here is an ECONFIG error at createTransport(), before any socket is opened.
 */
import { SmtpError } from '../errors.js';
import type { Security, Timeouts } from '../connection/options.js';
import { DEFAULT_TIMEOUTS, defaultPort, validatePort } from '../connection/options.js';
import type { AuthMethod } from '../sasl/select.js';
import type { TlsSettings } from '../tls/policy.js';
import type { Connector } from '../tls/connector.js';
import type { TranscriptHook } from '../connection/transcript.js';
import type { PoolOptions } from '../pool/pool.js';
import type { RateLimit } from './rate-limiter.js';
import type { Resolver } from '../guards/destination.js';
import type { AddressInput } from '../mime/message.js';
import { resolvePreset } from './providers.js';
import { unknownOption } from './config-keys.js';

export interface AuthConfig {
  user: string;
  pass?: string;
  method?: AuthMethod;
  accessToken?: string;
  getAccessToken?: () => Promise<string>;
}

export interface RetryConfig {
  /** Total tries per send, the first included (default 3). Only transient failures are retried. */
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export interface GuardConfig {
  /** Resolve the host once, refuse private/loopback/metadata addresses, and connect to the vetted address. */
  publicAddressesOnly: boolean;
  allowPort25: boolean;
  maxMessageBytes: number;
  maxCustomHeaders: number;
  /** false: attachments given by `path` are refused (EGUARD) before any file is touched. Default true. */
  fileAccess: boolean;
  /** false: attachments given by `href` are refused (EGUARD) before anything is fetched. Default true. */
  urlAccess: boolean;
}

export interface TransportConfig {
  /** A preset that fills host, port and security: 'gmail', 'outlook', 'office365', 'yahoo', 'sendgrid', 'mailgun', 'ses:REGION', ... */
  provider?: string;
  host?: string;
  port?: number;
  security?: Security;
  auth?: AuthConfig;
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
  /** Allow non-ASCII addresses (SMTPUTF8) in composed messages. */
  smtpUtf8?: boolean;
  onTranscript?: TranscriptHook;
  /** Replace how sockets are opened (tests, proxies). */
  connector?: Connector;
  /** Replace DNS resolution for the destination guard (tests). */
  resolver?: Resolver;
}

export interface ResolvedConfig {
  host: string;
  port: number;
  security: Security;
  auth: AuthConfig | undefined;
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
  resolver: Resolver | undefined;
  /** Shown in errors about auth failures for known providers (app passwords, 'apikey' user...). */
  authHint: string | undefined;
}

export const DEFAULT_RETRY: RetryConfig = { attempts: 3, minDelayMs: 500, maxDelayMs: 30_000 };
export const DEFAULT_GUARDS: GuardConfig = {
  publicAddressesOnly: false,
  allowPort25: true,
  maxMessageBytes: 10 * 1024 * 1024,
  maxCustomHeaders: 50,
  fileAccess: true,
  urlAccess: true,
};

const SECURITIES: readonly Security[] = ['starttls', 'tls', 'opportunistic', 'none'];

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
  const host = input.host ?? preset?.host;
  if (typeof host !== 'string' || host.trim() === '') throw configError('host is required (or a provider preset)');
  if (/[\s\x00-\x1f\x7f/]/.test(host)) throw configError(`host "${host.replace(/[\x00-\x1f\x7f]/g, '?')}" is not a host name or address`);
  // Port 465 is implicit TLS everywhere: without this, starttls would wait for a greeting that never comes.
  const security = input.security ?? (input.port === 465 ? 'tls' : undefined) ?? preset?.security ?? 'starttls';
  if (!SECURITIES.includes(security)) throw configError(`security must be one of ${SECURITIES.join(', ')}`);
  const port = validatePort(input.port ?? preset?.port ?? defaultPort(security));
  if (input.auth !== undefined) {
    if (typeof input.auth.user !== 'string' || input.auth.user === '') throw configError('auth.user is required when auth is set');
  }
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
  return {
    host,
    port,
    security,
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
    smtpUtf8: input.smtpUtf8 ?? false,
    onTranscript: input.onTranscript,
    connector: input.connector,
    resolver: input.resolver,
    authHint: preset?.authHint,
  };
}

function configError(message: string): SmtpError {
  return new SmtpError('ECONFIG', `Invalid transport configuration: ${message}`, { phase: 'config', transient: false });
}
