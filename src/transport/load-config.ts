/**
 * loadConfig: the flat configuration platforms keep in environment variables, YAML or a settings table
 * (`host, port, user, pass, from, tls_skip_verify, min_tls, client_name, auth_method, security | secure |
 * encryption`) -> a TransportConfig. Values may be strings ("587", "true"), as they come from the
 * environment. Unknown keys are refused like createTransport()'s, naming the key and the nearest known one.
 * The CLI's config file is read with the same table (readFlatConfig).
 */
import { SmtpError } from '../errors.js';
import type { Security } from '../connection/options.js';
import type { AuthMethod } from '../sasl/select.js';
import { describeUnknownKey, findUnknownKey, type KeyTable } from '../guards/known-keys.js';
import type { TransportConfig } from './config.js';

/** The flat configuration platforms store (`host, port, user, pass, from, security|secure|encryption, ...`) that `loadConfig()` turns into a `TransportConfig`. */
export interface FlatConfig {
  provider?: string;
  host?: string;
  port?: number | string;
  user?: string;
  pass?: string;
  from?: string;
  /** 'starttls' | 'tls' | 'opportunistic' | 'none'. */
  security?: string;
  /** nodemailer's: true is implicit TLS ('tls'), false STARTTLS. */
  secure?: boolean | string;
  /** PHP's: 'ssl' is implicit TLS, 'tls' or 'starttls' is STARTTLS, 'none' plaintext. */
  encryption?: string;
  tls_skip_verify?: boolean | string;
  min_tls?: string;
  client_name?: string;
  auth_method?: string;
  /** PEM text of a CA (or self-signed certificate) to trust. */
  tls_ca?: string;
}

/** The flat configuration, checked and typed, before it is shaped into a TransportConfig. */
export interface FlatSettings {
  provider?: string;
  host?: string;
  port?: number;
  security?: Security;
  user?: string;
  pass?: string;
  from?: string;
  tlsSkipVerify?: boolean;
  minTls?: 'TLSv1.2' | 'TLSv1.3';
  clientName?: string;
  authMethod?: AuthMethod;
  tlsCa?: string;
}

export const FLAT_KEYS: KeyTable = {
  known: ['provider', 'host', 'port', 'user', 'pass', 'from', 'security', 'secure', 'encryption', 'tls_skip_verify', 'min_tls', 'client_name', 'auth_method', 'tls_ca'],
  foreign: {
    username: 'use user',
    password: 'use pass',
    hostname: 'use host',
    server: 'use host (and port)',
    sender: 'use from',
    service: 'use provider',
    name: 'use client_name (the EHLO name)',
    rejectUnauthorized: 'use tls_skip_verify: true (testing only)',
    reject_unauthorized: 'use tls_skip_verify: true (testing only)',
    ssl: "use encryption: 'ssl' (implicit TLS) or security: 'tls'",
    tls: "use security ('tls' implicit TLS, 'starttls'), tls_skip_verify or min_tls",
  },
};

export const FLAT_SECURITIES: readonly Security[] = ['starttls', 'tls', 'opportunistic', 'none'];
export const FLAT_AUTH_METHODS: readonly AuthMethod[] = ['auto', 'plain', 'login', 'cram-md5', 'xoauth2', 'scram-sha-256'];

type Fail = (detail: string) => Error;

const configFail: Fail = (detail) => new SmtpError('ECONFIG', `Invalid configuration: ${detail}`, { phase: 'config', transient: false });

/**
 * Checks a flat configuration and types its values. `extraKeys` are keys the caller handles itself (the
 * CLI's tls_ca_file); `fail` makes the error (the CLI's names its file).
 */
export function readFlatConfig(flat: Record<string, unknown>, fail: Fail = configFail, extraKeys: readonly string[] = []): FlatSettings {
  if (typeof flat !== 'object' || flat === null || Array.isArray(flat)) throw fail('the configuration must be an object');
  const table: KeyTable = { known: [...FLAT_KEYS.known, ...extraKeys], ...(FLAT_KEYS.foreign ? { foreign: FLAT_KEYS.foreign } : {}) };
  const unknown = findUnknownKey(flat, table);
  if (unknown) throw fail(describeUnknownKey(unknown, 'key'));
  const out: FlatSettings = {};
  const securities: Array<[string, Security]> = [];
  for (const [key, raw] of Object.entries(flat)) {
    if (raw === null || raw === undefined || extraKeys.includes(key)) continue;
    const where = `"${key}"`;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') throw fail(`${where} must be a string, number or boolean`);
    const text = String(raw).trim();
    switch (key) {
      case 'port': {
        const n = typeof raw === 'number' ? raw : /^\d+$/.test(text) ? Number(text) : NaN;
        if (!Number.isInteger(n) || n < 1 || n > 65535) throw fail(`${where} must be a port from 1 to 65535, got ${JSON.stringify(raw)}`);
        out.port = n;
        break;
      }
      case 'security':
        securities.push([key, oneOf(text, FLAT_SECURITIES, where, fail)]);
        break;
      case 'secure':
        securities.push([key, toBoolean(raw, where, fail) ? 'tls' : 'starttls']);
        break;
      case 'encryption': {
        const e = text.toLowerCase();
        if (e === '') break;
        const mapped: Record<string, Security> = { ssl: 'tls', smtps: 'tls', tls: 'starttls', starttls: 'starttls', none: 'none', opportunistic: 'opportunistic' };
        const security = Object.hasOwn(mapped, e) ? mapped[e] : undefined;
        if (security === undefined) throw fail(`${where} must be one of ssl (implicit TLS), tls or starttls (STARTTLS), none, got ${JSON.stringify(raw)}`);
        securities.push([key, security]);
        break;
      }
      case 'tls_skip_verify':
        out.tlsSkipVerify = toBoolean(raw, where, fail);
        break;
      case 'min_tls':
        out.minTls = toMinTls(text, where, fail);
        break;
      case 'auth_method':
        out.authMethod = oneOf(text.toLowerCase(), FLAT_AUTH_METHODS, where, fail);
        break;
      case 'client_name':
        out.clientName = String(raw);
        break;
      case 'tls_ca':
        out.tlsCa = String(raw);
        break;
      default:
        out[key as 'provider' | 'host' | 'user' | 'pass' | 'from'] = String(raw);
    }
  }
  const [first, ...others] = securities;
  if (first) {
    const clash = others.find(([, s]) => s !== first[1]);
    if (clash) throw fail(`"${first[0]}" and "${clash[0]}" disagree (${first[1]} and ${clash[1]}): give one`);
    out.security = first[1];
  }
  return out;
}

/** The TransportConfig a checked flat configuration stands for. */
export function flatToTransportConfig(s: FlatSettings, fail: Fail = configFail): TransportConfig {
  const config: TransportConfig = {};
  if (s.provider !== undefined) config.provider = s.provider;
  if (s.host !== undefined) config.host = s.host;
  if (s.port !== undefined) config.port = s.port;
  if (s.security !== undefined) config.security = s.security;
  if (s.from !== undefined) config.from = s.from;
  if (s.clientName !== undefined) config.clientName = s.clientName;
  if (s.user !== undefined) {
    if (s.pass === undefined) throw fail(`"user" is set but "pass" is not`);
    const method = s.authMethod;
    config.auth = method === 'xoauth2' ? { user: s.user, accessToken: s.pass, method } : { user: s.user, pass: s.pass, ...(method ? { method } : {}) };
  } else if (s.pass !== undefined) {
    throw fail(`"pass" is set but "user" is not`);
  }
  const tls: NonNullable<TransportConfig['tls']> = {};
  if (s.tlsSkipVerify) tls.rejectUnauthorized = false;
  if (s.minTls !== undefined) tls.minVersion = s.minTls;
  if (s.tlsCa !== undefined) tls.ca = s.tlsCa;
  if (Object.keys(tls).length > 0) config.tls = tls;
  return config;
}

/**
 * The flat, platform-style configuration -> a TransportConfig for createTransport(). Throws ECONFIG naming
 * the key for an unknown key or a bad value.
 *
 * @example
 * const transport = createTransport(loadConfig({ host: env.SMTP_HOST, port: env.SMTP_PORT, user: env.SMTP_USER,
 *   pass: env.SMTP_PASS, encryption: env.SMTP_ENCRYPTION }));
 */
export function loadConfig(flat: FlatConfig | Record<string, unknown>): TransportConfig {
  return flatToTransportConfig(readFlatConfig(flat as Record<string, unknown>));
}

function toBoolean(value: string | number | boolean, where: string, fail: Fail): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off', ''].includes(text)) return false;
  throw fail(`${where} must be true or false, got ${JSON.stringify(value)}`);
}

export function toMinTls(value: string, where: string, fail: Fail = configFail): 'TLSv1.2' | 'TLSv1.3' {
  const text = value.trim().replace(/^tlsv?/i, '');
  if (text === '1.2') return 'TLSv1.2';
  if (text === '1.3') return 'TLSv1.3';
  throw fail(`${where} must be TLSv1.2 or TLSv1.3, got ${JSON.stringify(value)}`);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], where: string, fail: Fail): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw fail(`${where} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}
