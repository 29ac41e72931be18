/** Validates SinkOptions once at start-up and fills in the defaults the session reads on every command. */

import { createSecureContext, type SecureContext } from 'node:tls';
import { SmtpError } from '../errors.js';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from './test-certificate.js';
import type { SinkOptions, SunkMessage } from './types.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/** Everything a session needs, resolved. */
export interface SinkConfig {
  readonly host: string;
  readonly port: number;
  readonly dir: string | undefined;
  readonly discard: boolean;
  readonly secureContext: SecureContext | undefined;
  readonly implicitTls: boolean;
  readonly auth: { readonly user: string; readonly pass: string } | undefined;
  readonly requireTls: boolean;
  readonly maxMessageBytes: number;
  readonly chunking: boolean;
  readonly pipelining: boolean;
  readonly rcptLimit: number;
  readonly refuseRecipients: ((address: string) => boolean) | undefined;
  readonly onMessage: ((m: SunkMessage) => void) | undefined;
  readonly banner: string;
  readonly hostname: string;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
}

function configError(message: string): SmtpError {
  return new SmtpError('ECONFIG', `sink: ${message}`, { phase: 'config', transient: false });
}

function positiveInt(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw configError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  }
  return value;
}

/** Texts that go on the wire inside one reply line must not be able to break the framing. */
function lineSafe(value: string | undefined, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  if (/[\r\n\0]/.test(value)) throw configError(`${name} must not contain CR, LF or NUL`);
  return value;
}

export function resolveOptions(options: SinkOptions = {}): SinkConfig {
  const port = positiveInt(options.port, 0, 'port', true);
  if (port > 65535) throw configError('port must be at most 65535');
  if (options.implicitTls && !options.tls) throw configError('implicitTls needs tls');
  if (options.requireTls && !options.tls) throw configError('requireTls needs tls');
  if (options.auth && (typeof options.auth.user !== 'string' || typeof options.auth.pass !== 'string')) {
    throw configError('auth needs string user and pass');
  }
  let secureContext: SecureContext | undefined;
  if (options.tls) {
    const pair = options.tls === true ? { key: TEST_PRIVATE_KEY, cert: TEST_CERTIFICATE } : options.tls;
    try {
      secureContext = createSecureContext({ key: pair.key, cert: pair.cert });
    } catch (cause) {
      throw new SmtpError('ECONFIG', 'sink: the tls key/cert could not be loaded', { phase: 'config', cause });
    }
  }
  const discard = options.discard === true;
  return {
    host: options.host ?? '127.0.0.1',
    port,
    dir: discard ? undefined : options.dir,
    discard,
    secureContext,
    implicitTls: options.implicitTls === true,
    auth: options.auth ? { user: options.auth.user, pass: options.auth.pass } : undefined,
    requireTls: options.requireTls === true,
    maxMessageBytes: positiveInt(options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes'),
    chunking: options.chunking !== false,
    pipelining: options.pipelining !== false,
    rcptLimit: positiveInt(options.rcptLimit, 1000, 'rcptLimit'),
    refuseRecipients: options.refuseRecipients,
    onMessage: options.onMessage,
    banner: lineSafe(options.banner, 'mailwire sink ESMTP ready', 'banner'),
    hostname: lineSafe(options.hostname, 'localhost', 'hostname'),
    maxConnections: positiveInt(options.maxConnections, 1000, 'maxConnections'),
    idleTimeoutMs: positiveInt(options.idleTimeoutMs, 300_000, 'idleTimeoutMs'),
  };
}
