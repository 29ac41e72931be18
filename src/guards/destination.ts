/**
 * Destination guards, for platforms that let their users choose where mail (or an attachment fetch) goes.
 *
 * `publicAddressesOnly` resolves the host exactly once and refuses it if ANY resolved address is not
 * public (a name that mixes public and private records is a DNS-rebinding setup, not an accident). The
 * caller must then connect to the returned, pinned address - never resolve the name again - while TLS
 * still verifies the certificate against the host name.
 */

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SmtpError, guardError } from '../errors.js';
import { isPublicAddress } from './ip.js';
import { findControl, printable } from './text.js';

/** One address a `Resolver` returns for a host. */
export type ResolvedAddress = { address: string; family: 4 | 6 };

/** Resolves a host name to every address it has. Injectable so tests never touch real DNS. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface DestinationPolicy {
  /** Resolve once, refuse non-public addresses, pin the address. Default false. */
  publicAddressesOnly?: boolean;
  /** Allow port 25. Default true; platforms set false so their users cannot relay from their IPs. */
  allowPort25?: boolean;
}

/** The default resolver: the system's getaddrinfo, every address, in the order it returns them. */
export const systemResolver: Resolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

/** Validates a host name or IP literal syntactically (no resolution). Returns it without [ ] brackets. */
export function assertHost(host: string, field = 'host'): string {
  if (typeof host !== 'string' || host.length === 0) throw new SmtpError('ECONFIG', `${field}: must be a non-empty string`);
  if (findControl(host) !== -1 || /[\s/\\@?#]/u.test(host)) {
    throw new SmtpError('ECONFIG', `${field}: "${printable(host)}" is not a host name`);
  }
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function assertPort(port: number, field = 'port'): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SmtpError('ECONFIG', `${field}: must be an integer between 1 and 65535`);
  }
}

/**
 * Resolves `host` once and applies the public-address rule when `publicOnly` is set. Returns the address
 * to connect to. Used directly by the attachment fetcher, which always pins.
 */
export async function resolvePinned(host: string, publicOnly: boolean, resolver: Resolver = systemResolver): Promise<ResolvedAddress> {
  const bare = assertHost(host);
  const literal = isIP(bare);
  let addresses: ResolvedAddress[];
  if (literal !== 0) {
    addresses = [{ address: bare, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolver(bare);
    } catch (cause) {
      throw new SmtpError('ECONNECTION', `cannot resolve "${printable(bare)}"`, { phase: 'connect', cause });
    }
    if (!Array.isArray(addresses) || addresses.length === 0) {
      throw new SmtpError('ECONNECTION', `"${printable(bare)}" has no addresses`, { phase: 'connect' });
    }
  }
  if (publicOnly) {
    for (const a of addresses) {
      if (!isPublicAddress(a.address)) {
        throw guardError(`destination "${printable(bare)}" resolves to a non-public address (${printable(a.address)})`, 'connect');
      }
    }
  }
  const first = addresses[0];
  if (first === undefined) throw new SmtpError('ECONNECTION', `"${printable(bare)}" has no addresses`, { phase: 'connect' });
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * The guard the transport runs before connecting. Throws EGUARD for port 25 when `allowPort25` is false,
 * and (with `publicAddressesOnly`) for any non-public resolved address. Returns the pinned address when
 * `publicAddressesOnly` is set, otherwise undefined (the caller connects by name as usual).
 */
export async function checkDestination(
  host: string,
  port: number,
  policy: DestinationPolicy,
  resolver: Resolver = systemResolver,
): Promise<ResolvedAddress | undefined> {
  assertHost(host);
  assertPort(port);
  if (port === 25 && policy.allowPort25 === false) throw guardError('destination port 25 is not allowed', 'connect');
  if (policy.publicAddressesOnly !== true) return undefined;
  return resolvePinned(host, true, resolver);
}
