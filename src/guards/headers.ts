/**
 * Custom headers: the caller's `headers` option, as an object or as [name, value] pairs.
 *
 * Names the composer writes itself (or that belong to the envelope, to trace fields, or to signatures)
 * cannot be set here: a duplicate From or a second Content-Type is how header-injection and
 * signature-confusion attacks work. Keys that name object internals are refused as well, and the input is
 * only ever read with Object.keys on the caller's own properties, so nothing touches a prototype.
 */

import { guardError } from '../errors.js';
import type { ResolvedLimits } from './limits.js';
import { assertHeaderName, assertHeaderValue, printable } from './text.js';

export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'return-path',
  'subject',
  'message-id',
  'in-reply-to',
  'references',
  'date',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-id',
  'mime-version',
  'dkim-signature',
  'received',
  'authentication-results',
  'x-original-to',
  'delivered-to',
]);

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type HeaderInput = Record<string, string> | ReadonlyArray<readonly [string, string]>;

/**
 * Validates custom headers and returns them as a fresh array of [name, value] pairs, in input order.
 * `field` prefixes error messages ("headers" for the message, "attachments[0].headers" for a part).
 */
export function assertCustomHeaders(
  headers: HeaderInput | undefined,
  limits: Pick<ResolvedLimits, 'maxCustomHeaders' | 'maxHeaderValueChars'>,
  field = 'headers',
): Array<[string, string]> {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== 'object') throw guardError(`${field}: expected an object or an array of [name, value]`);
  const pairs: Array<[unknown, unknown]> = [];
  if (Array.isArray(headers)) {
    for (const entry of headers as ReadonlyArray<unknown>) {
      if (!Array.isArray(entry) || entry.length !== 2) throw guardError(`${field}: each entry must be [name, value]`);
      pairs.push([entry[0], entry[1]]);
    }
  } else {
    // Object.keys lists own enumerable string keys only; a "__proto__" key from JSON.parse is one of
    // them and is refused below, never assigned anywhere.
    for (const key of Object.keys(headers)) pairs.push([key, (headers as Record<string, unknown>)[key]]);
  }
  if (pairs.length > limits.maxCustomHeaders) {
    throw guardError(`${field}: more than ${limits.maxCustomHeaders} custom headers`);
  }
  const out: Array<[string, string]> = [];
  for (const [name, value] of pairs) {
    if (typeof name !== 'string') throw guardError(`${field}: header name must be a string`);
    if (FORBIDDEN_KEYS.has(name.toLowerCase())) throw guardError(`${field}: "${name}" is not an allowed header name`);
    assertHeaderName(name);
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw guardError(`${field}.${name}: reserved header; use the message field instead`);
    }
    const where = `${field}.${printable(name)}`;
    if (typeof value !== 'string') throw guardError(`${where}: value must be a string`);
    assertHeaderValue(value, where);
    if (value.length > limits.maxHeaderValueChars) {
      throw guardError(`${where}: longer than ${limits.maxHeaderValueChars} characters`);
    }
    out.push([name, value]);
  }
  return out;
}
