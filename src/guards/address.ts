/**
 * One bare mailbox address (`local@domain`), as it goes into `MAIL FROM:<...>` / `RCPT TO:<...>` and into
 * address headers.
 *
 * Deliberately stricter than RFC 5321: no quoted local parts, no source routes, no whitespace, no angle
 * brackets. Each of those is either obsolete or a way to smuggle ESMTP parameters (`a@b> SIZE=1`) or a
 * second address through a single field. Domains are IDNA-converted with node:url's domainToASCII so the
 * wire only ever carries A-labels; a non-ASCII local part needs SMTPUTF8 and is refused without it.
 */

import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { SmtpError, guardError } from '../errors.js';
import { findControl, printable } from './text.js';

export interface AddressGuardOptions {
  /** The session will use SMTPUTF8 (RFC 6531): non-ASCII local parts are allowed. */
  smtpUtf8?: boolean;
}

export interface NormalizedAddress {
  /** local@domain with the domain lower-cased and in A-label (punycode) form. */
  address: string;
  /** True when the local part is not ASCII: the message needs SMTPUTF8. */
  utf8: boolean;
}

// atext of RFC 5322 section 3.2.3, as a lookup table for the ASCII range.
const ATEXT = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~") {
  ATEXT[c.charCodeAt(0)] = 1;
}

/** A lower-case host name whose labels are 1-63 LDH characters, not starting or ending with "-". */
const PLAIN_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Unicode white space that must not appear in an (SMTPUTF8) local part either. */
const UNICODE_SPACE = /\s/u;

/** Throws EGUARD unless `addr` is exactly one acceptable envelope address. */
export function assertEnvelopeAddress(addr: string, field: string, options: AddressGuardOptions = {}): void {
  normalizeAddress(addr, field, options);
}

/** Validates one address and returns it with the domain in A-label form. Throws EGUARD naming `field`. */
export function normalizeAddress(addr: string, field: string, options: AddressGuardOptions = {}): NormalizedAddress {
  if (typeof addr !== 'string') throw guardError(`${field}: address must be a string`);
  const bad = (why: string): SmtpError => guardError(`${field}: invalid address "${printable(addr)}": ${why}`);
  if (addr.length === 0) throw bad('empty');
  if (findControl(addr) !== -1) throw guardError(`${field}: address contains a control character`);
  if (addr.length > 320) throw bad('too long');
  if (addr.charCodeAt(0) === 64 /* @ */) throw bad('source routes are not allowed');
  const at = addr.lastIndexOf('@');
  if (at <= 0 || at === addr.length - 1) throw bad('expected local@domain');
  const local = addr.slice(0, at);
  const given = addr.slice(at + 1);
  const domain = normalizeDomain(given, bad);
  let utf8 = false;
  // A UTF-16 code unit is at most 3 octets of UTF-8: short strings need no count (a native call each).
  if (local.length > 21 && Buffer.byteLength(local) > 64) throw bad('local part longer than 64 octets');
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) throw bad('misplaced dot in local part');
  for (let i = 0; i < local.length; i++) {
    const code = local.charCodeAt(i);
    if (code < 128) {
      if (ATEXT[code] !== 1 && code !== 46 /* . */) {
        throw bad(code === 32 ? 'spaces are not allowed' : `character "${local[i] ?? ''}" is not allowed in the local part`);
      }
    } else {
      // Surrogate halves are tested as code units: neither is white space, and the pair is non-ASCII.
      if (UNICODE_SPACE.test(local[i] ?? '')) throw bad('spaces are not allowed');
      utf8 = true;
    }
  }
  if (utf8 && options.smtpUtf8 !== true) {
    throw guardError(`${field}: non-ASCII local part in "${printable(addr)}" needs SMTPUTF8, which smtpUtf8: false turns off`);
  }
  // Most addresses come out as they went in: then the caller's own string is the result, not a copy of it
  // (a send's result keeps its envelope's addresses for as long as the caller keeps the result).
  const address = domain === given ? addr : `${local}@${domain}`;
  if (address.length > 84 && Buffer.byteLength(address) > 254) throw bad('longer than 254 octets');
  return { address, utf8 };
}

/**
 * A domain (after the "@"): a host name (IDNA to A-labels, LDH labels) or an address literal
 * `[192.0.2.1]` / `[IPv6:2001:db8::1]`. Returns the wire form.
 */
export function normalizeDomain(domain: string, bad: (why: string) => SmtpError): string {
  if (domain.startsWith('[')) {
    if (!domain.endsWith(']')) throw bad('unterminated address literal');
    const inner = domain.slice(1, -1);
    if (isIPv4(inner)) return domain;
    if (inner.slice(0, 5).toLowerCase() === 'ipv6:' && isIPv6(inner.slice(5))) return `[IPv6:${inner.slice(5)}]`;
    throw bad('invalid address literal');
  }
  // The usual case, a lower-case host name of valid LDH labels, in one linear regex pass (labels cannot
  // contain the dots that separate them, so there is nothing to backtrack over).
  if (domain.length <= 253 && PLAIN_HOST.test(domain)) return domain;
  let ascii = domain;
  for (let i = 0; i < domain.length; i++) {
    const c = domain.charCodeAt(i);
    if (c >= 128) {
      if (UNICODE_SPACE.test(domain)) throw bad('spaces are not allowed');
      // domainToASCII applies UTS #46 mapping and returns '' for anything it cannot convert.
      ascii = domainToASCII(domain);
      if (ascii === '') throw bad('invalid international domain name');
      break;
    }
  }
  ascii = ascii.toLowerCase();
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (ascii.length === 0 || ascii.length > 253) throw bad('invalid domain length');
  for (const label of ascii.split('.')) {
    if (label.length === 0 || label.length > 63) throw bad('empty or over-long domain label');
    if (label.startsWith('-') || label.endsWith('-')) throw bad('domain label starts or ends with "-"');
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;
      if (!ok) throw bad(c === 32 ? 'spaces are not allowed' : `character "${label[i] ?? ''}" is not allowed in the domain`);
    }
  }
  return ascii;
}
