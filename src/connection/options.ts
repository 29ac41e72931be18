import os from 'node:os';
import net from 'node:net';
import type { Connector } from '../tls/connector.js';
import type { TlsSettings } from '../tls/policy.js';
import type { TranscriptHook } from './transcript.js';
import type { SaslCredentials } from '../sasl/mechanism.js';
import type { AuthMethod } from '../sasl/select.js';
import { SmtpError } from '../errors.js';

/** Every security mode, in the order help texts list them: the one list config checks and the CLI use. */
export const SECURITY_MODES = ['starttls', 'tls', 'opportunistic', 'none'] as const;
/** `starttls` (STARTTLS required), `tls` (TLS from the first byte, port 465), `opportunistic` (STARTTLS when offered) or `none`. */
export type Security = (typeof SECURITY_MODES)[number];

/** Milliseconds each phase may take: connect, greeting, each command, and the reply to the message. */
export interface Timeouts {
  connectMs: number;
  greetingMs: number;
  commandMs: number;
  /** For the reply to the final dot / BDAT LAST, and for a stalled body write. */
  dataMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, greetingMs: 30_000, commandMs: 30_000, dataMs: 120_000 };

/** Credentials: `user` with `pass`, or an OAuth2 `accessToken` / `getAccessToken`; `method` picks the SASL mechanism (default: the strongest offered). */
export interface AuthOptions extends SaslCredentials {
  method?: AuthMethod;
  /**
   * Let the transport run the OAuth2 refresh-token grant itself (instead of `getAccessToken`): it fetches,
   * caches and renews the access token. Used by createTransport; a bare SmtpConnection needs a token source.
   */
  oauth2?: OAuth2Options;
}

/** The refresh-token grant (RFC 6749 section 6) against an HTTPS token endpoint. */
export interface OAuth2Options {
  /** 'google' or 'microsoft' fills tokenUrl (and Microsoft's default scope); default: from the transport's provider preset. */
  provider?: 'google' | 'microsoft';
  /** Microsoft only: the directory (tenant) ID or domain; default 'common'. */
  tenant?: string;
  /** The token endpoint; https only. */
  tokenUrl?: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  /** Space-separated scopes to ask for; Microsoft defaults to 'https://outlook.office.com/SMTP.Send offline_access'. */
  scope?: string;
  /** Certificates to trust for the token endpoint (a private CA, tests); the system store otherwise. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** How one `SmtpConnection` reaches and talks to its server. */
export interface ConnectionOptions {
  host: string;
  /** Default from security: tls 465, starttls/opportunistic 587, none 25. */
  port?: number;
  security?: Security;
  /** A vetted IP to connect to instead of resolving host (destination pinning); TLS still checks host. */
  address?: string;
  tls?: TlsSettings;
  /** EHLO identity; default os.hostname() made safe. */
  clientName?: string;
  timeouts?: Partial<Timeouts>;
  auth?: AuthOptions;
  /** Permit PLAIN/LOGIN/XOAUTH2 without TLS to a non-loopback host. */
  allowInsecureAuth?: boolean;
  connector?: Connector;
  onTranscript?: TranscriptHook;
  /** Use BDAT when the server offers CHUNKING (default true). */
  useChunking?: boolean;
  /** Pipeline MAIL/RCPT/DATA when the server offers PIPELINING (default true). */
  usePipelining?: boolean;
  /**
   * 'lmtp' speaks LMTP (RFC 2033): LHLO, and one reply per accepted recipient after the message. LMTP has
   * no default port (set `port` or `socketPath`) and never uses CHUNKING. Default 'smtp'.
   */
  protocol?: Protocol;
  /** Connect to this Unix domain socket instead of host:port; `host` still names the server. Security defaults to 'none'. */
  socketPath?: string;
  /**
   * Remembers servers that refuse a message written right behind the previous message's end (before its
   * reply), so that new connections to them do not do it either. The transport keeps one per server.
   */
  crossMessagePipelining?: CrossMessagePipelining;
}

/** Whether the next message may follow the previous one's end without waiting for its reply. */
export interface CrossMessagePipelining {
  /** Whether the next message may be pipelined behind the previous one's end of data on this server. */
  allowed(): boolean;
  /** The server refused a message sent so. */
  refused(): void;
}

/** `smtp` (default) or `lmtp` (RFC 2033). */
export type Protocol = 'smtp' | 'lmtp';

export function defaultPort(security: Security): number {
  if (security === 'tls') return 465;
  if (security === 'none') return 25;
  return 587;
}

/**
 * os.hostname() is often a bare label ("laptop") or holds characters EHLO does not allow. RFC 5321 wants a
 * FQDN or an address literal; a bare label is accepted by nearly every server, but junk is not.
 */
export function defaultClientName(): string {
  const name = os.hostname().trim().toLowerCase();
  if (/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(name)) return name;
  return '[127.0.0.1]';
}

export function isLoopbackHost(host: string, address?: string): boolean {
  const candidate = (address ?? host).toLowerCase();
  if (candidate === 'localhost' || candidate.endsWith('.localhost')) return true;
  if (net.isIPv4(candidate)) return candidate.startsWith('127.');
  if (net.isIPv6(candidate)) return candidate === '::1' || candidate.startsWith('::ffff:127.');
  return false;
}

export function validatePort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SmtpError('ECONFIG', `Invalid port ${String(port)}: expected an integer from 1 to 65535`, { phase: 'config' });
  }
  return port;
}
