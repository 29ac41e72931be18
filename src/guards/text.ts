/**
 * Character-level guards for anything that ends up in a header or an SMTP command line.
 *
 * The rule is simple on purpose: a value that will be written into a header or an envelope command may
 * not carry a line break (CR, LF), a NUL, or any other control character, because each of those is a
 * way to start a new header, a new SMTP command, or to confuse a parser downstream. TAB is the only
 * control allowed, and only where the caller says so (it is legal folding whitespace in header values).
 */

import { guardError } from '../errors.js';

/**
 * True when `code` is a C0 control, DEL, or a C1 control. C1 (U+0080-U+009F) is refused too: those code
 * points have no business in mail headers and some legacy decoders map U+0085 (NEL) to a line break.
 */
function isControl(code: number, allowTab: boolean): boolean {
  if (code === 0x09) return !allowTab;
  return code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0x9f);
}

/** Index of the first control character in `value`, or -1. */
export function findControl(value: string, allowTab = false): number {
  for (let i = 0; i < value.length; i++) {
    if (isControl(value.charCodeAt(i), allowTab)) return i;
  }
  return -1;
}

/** Describes a control character for an error message without echoing the rest of the input. */
function describe(code: number): string {
  if (code === 0x0d) return 'CR';
  if (code === 0x0a) return 'LF';
  if (code === 0x00) return 'NUL';
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Throws EGUARD when `value` holds a control character. `field` names the input in the message
 * (e.g. "subject", "to[2].name", "headers.X-Campaign") so the caller can find it.
 */
export function assertNoControls(value: string, field: string, options: { allowTab?: boolean } = {}): void {
  const at = findControl(value, options.allowTab ?? false);
  if (at !== -1) {
    throw guardError(`${field}: control character ${describe(value.charCodeAt(at))} is not allowed`);
  }
}

/** Throws EGUARD unless `value` is a string (the message object often comes from untyped JSON). */
export function assertString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') throw guardError(`${field}: expected a string`);
}

/**
 * RFC 5322 field name: 1*ftext, where ftext is printable US-ASCII except ":" (%d33-57 / %d59-126).
 * Capped at 76 octets so a name plus ": " and the first word can share the first line.
 */
export function assertHeaderName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw guardError('header name: must be a non-empty string');
  if (name.length > 76) throw guardError(`header name: longer than 76 characters`);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 58) {
      throw guardError(`header name "${printable(name)}": not an RFC 5322 field name (character ${i + 1})`);
    }
  }
}

/** A header value: any text (it will be encoded if not ASCII), TAB allowed, no other control. */
export function assertHeaderValue(value: string, field: string): void {
  assertString(value, field);
  assertNoControls(value, field, { allowTab: true });
}

/** A short, safe rendering of untrusted input for error messages: controls replaced, length capped. */
export function printable(value: string, max = 64): string {
  let out = '';
  for (let i = 0; i < value.length && i < max; i++) {
    const c = value.charCodeAt(i);
    out += isControl(c, false) ? '?' : value[i];
  }
  return value.length > max ? `${out}...` : out;
}
