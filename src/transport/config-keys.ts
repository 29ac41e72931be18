/**
 * What createTransport() accepts, object by object, and what to write instead of the names people bring
 * from nodemailer. An option added to TransportConfig is added here too, or it is refused as unknown.
 * `tls` is node:tls's own options, passed through unchecked.
 */
import { describeUnknownKey, findUnknownKey, type KeyTable } from '../guards/known-keys.js';

const SECURE = "nodemailer's secure: use security: 'tls' (implicit TLS, port 465) or security: 'starttls' (port 587, the default)";
const LOGGING = 'use onTranscript (the SMTP session, secrets redacted) and the transport events (message:sent, message:failed, retry)';

export const TRANSPORT_KEYS: KeyTable = {
  known: [
    'provider', 'host', 'port', 'security', 'auth', 'allowInsecureAuth', 'tls', 'clientName', 'from', 'pool', 'timeouts',
    'retry', 'guards', 'rateLimit', 'smtpUtf8', 'onTranscript', 'connector', 'resolver',
    // added by features of the second round
    'dkim', 'proxy', 'proxyTls', 'protocol', 'socketPath',
  ],
  foreign: {
    secure: SECURE,
    service: 'use provider (e.g. provider: "gmail")',
    requireTLS: "security: 'starttls' (the default) already requires STARTTLS",
    ignoreTLS: "use security: 'none' (plaintext; never with a password over a network)",
    opportunisticTLS: "use security: 'opportunistic'",
    name: 'use clientName (the EHLO name)',
    localAddress: 'use connector (open the socket yourself)',
    connectionTimeout: 'use timeouts.connectMs',
    greetingTimeout: 'use timeouts.greetingMs',
    socketTimeout: 'use timeouts.commandMs (and timeouts.dataMs for the reply to the message)',
    dnsTimeout: 'name resolution counts against timeouts.connectMs',
    maxConnections: 'use pool: { maxConnections }',
    maxMessages: 'use pool: { maxMessagesPerConnection }',
    rateDelta: 'use rateLimit: { messages, perMs }',
    servername: 'use tls: { servername }',
    authMethod: 'use auth.method',
    logger: LOGGING,
    debug: LOGGING,
    transactionLog: LOGGING,
    disableFileAccess: 'use guards: { fileAccess: false }',
    disableUrlAccess: 'use guards: { urlAccess: false }',
    lmtp: "use protocol: 'lmtp'",
    socket: 'use connector (hand mailwire the socket)',
    connection: 'use connector (hand mailwire the socket)',
    headers: 'set headers on each message',
    secured: SECURE,
  },
};

export const AUTH_KEYS: KeyTable = {
  known: ['user', 'pass', 'method', 'accessToken', 'getAccessToken', 'oauth2'],
  foreign: {
    type: "use method ('plain', 'login', 'xoauth2', ...)",
    password: 'use pass',
    username: 'use user',
    clientId: 'use oauth2: { tokenUrl, clientId, clientSecret, refreshToken }',
    clientSecret: 'use oauth2: { tokenUrl, clientId, clientSecret, refreshToken }',
    refreshToken: 'use oauth2: { tokenUrl, clientId, clientSecret, refreshToken }',
    accessUrl: 'use oauth2: { tokenUrl, ... }',
    expires: 'give getAccessToken instead: mailwire asks it again when the token is refused',
  },
};

export const TIMEOUT_KEYS: KeyTable = {
  known: ['connectMs', 'greetingMs', 'commandMs', 'dataMs'],
  foreign: { connection: 'use timeouts.connectMs', socket: 'use timeouts.commandMs', data: 'use timeouts.dataMs' },
};

export const POOL_KEYS: KeyTable = {
  known: ['maxConnections', 'maxMessagesPerConnection', 'idleTimeoutMs', 'pipelineDepth', 'checkAfterIdleMs'],
  foreign: { maxMessages: 'use pool.maxMessagesPerConnection', idleTimeout: 'use pool.idleTimeoutMs' },
};

export const RETRY_KEYS: KeyTable = {
  known: ['attempts', 'minDelayMs', 'maxDelayMs'],
  foreign: { retries: 'use retry.attempts (total tries, the first included)', maxRetries: 'use retry.attempts (total tries, the first included)' },
};

export const GUARD_KEYS: KeyTable = {
  known: ['publicAddressesOnly', 'allowPort25', 'maxMessageBytes', 'maxCustomHeaders', 'fileAccess', 'urlAccess'],
  foreign: { disableFileAccess: 'use guards.fileAccess: false', disableUrlAccess: 'use guards.urlAccess: false' },
};

export const RATE_LIMIT_KEYS: KeyTable = { known: ['messages', 'perMs'] };

/** Nested objects checked below the top level, by key. `tls` is node's and passes through. */
const NESTED: Record<string, KeyTable> = {
  auth: AUTH_KEYS,
  timeouts: TIMEOUT_KEYS,
  pool: POOL_KEYS,
  retry: RETRY_KEYS,
  guards: GUARD_KEYS,
  rateLimit: RATE_LIMIT_KEYS,
};

/**
 * The first unknown option in a transport configuration, as a sentence ("unknown option "secure": use
 * security: 'tls' ..."), or undefined. Values that are not plain objects are left to the type checks.
 */
export function unknownOption(config: object): string | undefined {
  const top = findUnknownKey(config, TRANSPORT_KEYS);
  if (top) return describeUnknownKey(top, 'option');
  for (const [name, table] of Object.entries(NESTED)) {
    const value = (config as Record<string, unknown>)[name];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const found = findUnknownKey(value, table, `${name}.`);
    if (found) return describeUnknownKey(found, 'option', `${name}.`);
  }
  return undefined;
}
