/**
 * nodemailer's SMTP transport options -> a mailwire TransportConfig. Every option nodemailer documents is
 * either mapped or refused with ECONFIG naming it (and why): an option that was silently dropped would
 * change what a migrated application does without a word.
 */
import type { TransportConfig } from '../../transport/config.js';
import type { AuthMethod } from '../../sasl/select.js';
import type { DkimOptions } from '../../dkim/options.js';
import type { TranscriptEntry } from '../../connection/transcript.js';
import { configError, providerForService } from './services.js';
import type { NodemailerDkim, NodemailerLogger, NodemailerSmtpOptions } from './types.js';

/** Options nodemailer has and mailwire cannot honour, with the reason given in the ECONFIG message. */
const REFUSED: Record<string, string> = {
  secured: 'mailwire opens its own sockets: use mailwire\'s connector option',
  socket: 'mailwire opens its own sockets: use mailwire\'s connector option',
  connection: 'mailwire opens its own sockets: use mailwire\'s connector option',
  localAddress: 'mailwire cannot bind a local address: use mailwire\'s connector option',
  getSocket: 'use mailwire\'s connector option',
  customAuth: 'mailwire speaks PLAIN, LOGIN, CRAM-MD5, XOAUTH2 and SCRAM-SHA-256 only',
  socketCloseTimeout: 'mailwire closes with QUIT and destroys the socket itself',
  transport: 'mailwire/nodemailer is the SMTP transport only',
  sendmail: 'mailwire/nodemailer is the SMTP transport only',
  streamTransport: 'mailwire/nodemailer is the SMTP transport only',
  jsonTransport: 'mailwire/nodemailer is the SMTP transport only',
  SES: 'use SMTP credentials with service: "SES-<region>"',
  url: 'give host, port, secure and auth as options',
};

/** Everything createTransport() knows how to map. */
const KNOWN = new Set([
  'host', 'port', 'secure', 'requireTLS', 'ignoreTLS', 'opportunisticTLS', 'auth', 'authMethod', 'tls', 'name', 'pool',
  'maxConnections', 'maxMessages', 'rateDelta', 'rateLimit', 'connectionTimeout', 'greetingTimeout', 'socketTimeout',
  'dnsTimeout', 'logger', 'debug', 'transactionLog', 'dkim', 'proxy', 'service', 'lmtp', 'disableFileAccess',
  'disableUrlAccess',
]);

export interface MappedOptions {
  config: TransportConfig;
  /** How many sends may run at once before isIdle() turns false (nodemailer's maxConnections). */
  maxConnections: number;
}

export function mapTransportOptions(input: NodemailerSmtpOptions | string | undefined): MappedOptions {
  if (typeof input === 'string') throw configError(`a connection URL is not supported: ${REFUSED.url}`);
  const options = (input ?? {}) as NodemailerSmtpOptions & Record<string, unknown>;
  if (typeof options !== 'object' || Array.isArray(options)) throw configError('the options must be an object');
  for (const key of Object.keys(options)) {
    if (options[key] === undefined) continue;
    if (Object.hasOwn(REFUSED, key)) throw configError(`option "${key}" is not supported: ${REFUSED[key]}`);
    if (!KNOWN.has(key)) throw configError(`unknown option "${key}" (mailwire/nodemailer maps nodemailer's SMTP options; see docs/migrating-from-nodemailer.md)`);
  }

  const config: TransportConfig = {};
  if (options.service !== undefined) config.provider = providerForService(options.service);
  if (options.host !== undefined) config.host = options.host;
  else if (config.provider === undefined && !options.lmtp) config.host = 'localhost'; // nodemailer's default
  if (options.port !== undefined) config.port = Number(options.port);
  const security = mapSecurity(options);
  if (security !== undefined) config.security = security;
  if (options.lmtp) {
    config.protocol = 'lmtp';
    if (config.host === undefined) config.host = 'localhost';
  }

  const auth = mapAuth(options);
  if (auth !== undefined) config.auth = auth;
  if (options.tls !== undefined) config.tls = options.tls;
  if (options.name !== undefined) config.clientName = options.name;

  // nodemailer without `pool` opens one connection per message; mailwire always pools, so one message per
  // connection gives the same behaviour. With `pool: true` its maxConnections/maxMessages apply.
  const maxConnections = positive(options.maxConnections, 'maxConnections') ?? 5;
  if (options.pool) {
    config.pool = { maxConnections, maxMessagesPerConnection: positive(options.maxMessages, 'maxMessages') ?? 100 };
    if (options.rateLimit !== undefined) {
      config.rateLimit = { messages: positive(options.rateLimit, 'rateLimit') ?? 1, perMs: positive(options.rateDelta, 'rateDelta') ?? 1000 };
    }
  } else {
    for (const key of ['maxMessages', 'rateLimit', 'rateDelta'] as const) {
      if (options[key] !== undefined) throw configError(`option "${key}" needs pool: true (as in nodemailer, where it is ignored without it)`);
    }
    config.pool = { maxConnections, maxMessagesPerConnection: 1 };
  }

  const timeouts: NonNullable<TransportConfig['timeouts']> = {};
  const connect = positive(options.connectionTimeout, 'connectionTimeout');
  const dns = positive(options.dnsTimeout, 'dnsTimeout');
  // mailwire counts name resolution against the connect timeout: give it both budgets.
  if (connect !== undefined || dns !== undefined) timeouts.connectMs = (connect ?? 120_000) + (dns ?? 0);
  const greeting = positive(options.greetingTimeout, 'greetingTimeout');
  if (greeting !== undefined) timeouts.greetingMs = greeting;
  const socket = positive(options.socketTimeout, 'socketTimeout');
  if (socket !== undefined) {
    timeouts.commandMs = socket;
    timeouts.dataMs = socket;
  }
  if (Object.keys(timeouts).length > 0) config.timeouts = timeouts;

  const onTranscript = mapLogger(options.logger, Boolean(options.debug || options.transactionLog));
  if (onTranscript) config.onTranscript = onTranscript;
  if (options.dkim !== undefined) config.dkim = mapDkim(options.dkim);
  if (options.proxy !== undefined) config.proxy = options.proxy;
  if (options.disableFileAccess || options.disableUrlAccess) {
    config.guards = { ...(options.disableFileAccess ? { fileAccess: false } : {}), ...(options.disableUrlAccess ? { urlAccess: false } : {}) };
  }
  return { config, maxConnections };
}

function mapSecurity(options: NodemailerSmtpOptions): TransportConfig['security'] {
  if (options.secure) return 'tls';
  if (options.lmtp && options.port === undefined) return undefined;
  if (options.secure === undefined && Number(options.port) === 465) return 'tls'; // see docs/configuration.md
  if (options.ignoreTLS) {
    if (options.requireTLS) throw configError('ignoreTLS and requireTLS contradict each other');
    return 'none';
  }
  if (options.requireTLS) return 'starttls';
  if (options.service !== undefined && options.port === undefined) return undefined; // the preset's
  // nodemailer's default: STARTTLS when the server offers it, plaintext otherwise.
  return 'opportunistic';
}

const AUTH_KNOWN = new Set(['user', 'pass', 'type', 'method', 'accessToken', 'expires']);

function mapAuth(options: NodemailerSmtpOptions): TransportConfig['auth'] {
  const auth = options.auth as (NonNullable<NodemailerSmtpOptions['auth']> & Record<string, unknown>) | undefined;
  if (auth === undefined || auth === null) {
    if (options.authMethod !== undefined) throw configError('authMethod needs auth: { user, pass }');
    return undefined;
  }
  if (typeof auth !== 'object') throw configError('auth must be an object: { user, pass }');
  for (const key of Object.keys(auth)) {
    if (auth[key] === undefined || AUTH_KNOWN.has(key)) continue;
    if (['clientId', 'clientSecret', 'refreshToken', 'accessUrl', 'serviceClient', 'privateKey'].includes(key)) {
      throw configError(`auth.${key}: mailwire/nodemailer does not fetch OAuth2 tokens; give auth.accessToken (and refresh it yourself), or use mailwire's auth.getAccessToken`);
    }
    throw configError(`unknown option "auth.${key}"`);
  }
  const type = typeof auth.type === 'string' ? auth.type.toLowerCase() : undefined;
  if (type !== undefined && type !== 'login' && type !== 'oauth2') throw configError(`auth.type "${auth.type}" is not supported (login or OAuth2)`);
  const user = auth.user ?? '';
  if (type === 'oauth2') {
    if (typeof auth.accessToken !== 'string' || auth.accessToken === '') throw configError('auth.type OAuth2 needs auth.accessToken');
    return { user, accessToken: auth.accessToken, method: 'xoauth2' };
  }
  const method = options.authMethod === undefined ? undefined : mapAuthMethod(options.authMethod);
  return { user, ...(auth.pass !== undefined ? { pass: auth.pass } : {}), ...(method ? { method } : {}) };
}

function mapAuthMethod(name: string): AuthMethod {
  const method = name.toLowerCase();
  if (method === 'plain' || method === 'login' || method === 'cram-md5' || method === 'xoauth2' || method === 'scram-sha-256') return method;
  throw configError(`authMethod "${name}" is not supported (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, SCRAM-SHA-256)`);
}

function mapDkim(dkim: NodemailerDkim): DkimOptions | DkimOptions[] {
  if (typeof dkim !== 'object' || dkim === null) throw configError('dkim must be { domainName, keySelector, privateKey }');
  for (const key of ['cacheDir', 'cacheTreshold', 'skipFields'] as const) {
    if (dkim[key] !== undefined && dkim[key] !== false) {
      throw configError(`dkim.${key} is not supported: ${key === 'skipFields' ? 'give the fields to sign in headerFieldNames' : 'mailwire spools a stream it must read twice to a private temporary directory of its own'}`);
    }
  }
  if (dkim.hashAlgo !== undefined && dkim.hashAlgo.toLowerCase() !== 'sha256') throw configError('dkim.hashAlgo: only sha256 (RFC 8301)');
  const headers = dkim.headerFieldNames === undefined ? undefined : dkim.headerFieldNames.split(':').map((h) => h.trim()).filter(Boolean);
  const one = (key: { domainName: string; keySelector: string; privateKey: string }): DkimOptions => ({
    domain: key.domainName,
    selector: key.keySelector,
    privateKey: key.privateKey,
    ...(headers ? { headers } : {}),
  });
  const keys = [...(dkim.domainName !== undefined ? [one(dkim as Required<Pick<NodemailerDkim, 'domainName' | 'keySelector' | 'privateKey'>>)] : []), ...(dkim.keys ?? []).map(one)];
  if (keys.length === 0) throw configError('dkim needs domainName, keySelector and privateKey (or keys)');
  return keys.length === 1 ? (keys[0] as DkimOptions) : keys;
}

function positive(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw configError(`${name} must be a positive number`);
  return n;
}

/**
 * nodemailer's `logger` (true: the console; or an object with info/debug/error) and `debug` (include the
 * SMTP traffic) through mailwire's transcript, which has already replaced credentials with <redacted>.
 */
function mapLogger(logger: NodemailerLogger | boolean | undefined, traffic: boolean): ((entry: TranscriptEntry) => void) | undefined {
  if (!logger) return undefined;
  const sink: NodemailerLogger =
    logger === true
      ? { info: (...a: unknown[]) => console.info(...a), debug: (...a: unknown[]) => console.debug(...a), error: (...a: unknown[]) => console.error(...a) }
      : logger;
  return (entry) => {
    if (entry.dir === 'i') sink.info?.('%s', entry.line);
    else if (traffic) sink.debug?.('%s: %s', entry.dir, entry.line);
  };
}
