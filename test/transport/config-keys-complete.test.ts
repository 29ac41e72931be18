/**
 * Every option the config types declare is in the known-key tables: an option added to a type but not to
 * its table would be refused as unknown at run time. The records below fail to compile when a type gains
 * or loses a key, and the test fails when the table misses one.
 */
import { describe, expect, it } from 'vitest';
import type { GuardConfig, RetryConfig, TransportConfig } from '../../src/transport/config.js';
import type { AuthOptions, Timeouts } from '../../src/connection/options.js';
import type { RateLimit } from '../../src/transport/rate-limiter.js';
import { AUTH_KEYS, GUARD_KEYS, POOL_KEYS, RATE_LIMIT_KEYS, RETRY_KEYS, TIMEOUT_KEYS, TRANSPORT_KEYS } from '../../src/transport/config-keys.js';

type Every<T> = Record<keyof Required<T>, true>;

const transport: Every<TransportConfig> = {
  provider: true, host: true, port: true, security: true, protocol: true, socketPath: true, auth: true,
  allowInsecureAuth: true, tls: true, clientName: true, from: true, pool: true, timeouts: true, retry: true,
  guards: true, rateLimit: true, smtpUtf8: true, onTranscript: true, proxy: true, proxyTls: true,
  connector: true, resolver: true, dkim: true,
};
const auth: Every<AuthOptions> = { user: true, pass: true, method: true, accessToken: true, getAccessToken: true, oauth2: true };
const guards: Every<GuardConfig> = {
  publicAddressesOnly: true, allowPort25: true, maxMessageBytes: true, maxBodyBytes: true, maxCustomHeaders: true,
  fileAccess: true, urlAccess: true,
};
const timeouts: Every<Timeouts> = { connectMs: true, greetingMs: true, commandMs: true, dataMs: true };
const retry: Every<RetryConfig> = { attempts: true, minDelayMs: true, maxDelayMs: true };
const rateLimit: Every<RateLimit> = { messages: true, perMs: true };
const pool: Every<NonNullable<TransportConfig['pool']>> = {
  maxConnections: true, maxMessagesPerConnection: true, idleTimeoutMs: true, pipelineDepth: true, checkAfterIdleMs: true,
};

describe('the known-key tables', () => {
  it.each([
    ['transport', transport, TRANSPORT_KEYS.known],
    ['auth', auth, AUTH_KEYS.known],
    ['guards', guards, GUARD_KEYS.known],
    ['timeouts', timeouts, TIMEOUT_KEYS.known],
    ['retry', retry, RETRY_KEYS.known],
    ['rateLimit', rateLimit, RATE_LIMIT_KEYS.known],
    ['pool', pool, POOL_KEYS.known],
  ] as const)('%s: every declared option is known', (_name, declared, known) => {
    expect(Object.keys(declared).filter((key) => !known.includes(key))).toEqual([]);
  });
});
