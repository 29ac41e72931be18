/**
 * Checks on every value that goes onto an SMTP command line.
 *
 * The threat is command injection: a CR or LF ends the command early and starts a new one (RCPT TO a
 * hidden recipient, or a whole second message), and a '>' or space ends the address early and smuggles an
 * ESMTP parameter ("a@b> SIZE=1"). These checks run even when the guards layer already ran, because this
 * is the last place that sees the exact bytes before they are written.
 */

import { guardError } from '../errors.js';
import { quoteForError } from './quote.js';

// C0 controls (TAB included), DEL, and C1 controls. NEL (U+0085) is C1: some software treats it as a line end.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Same, but TAB allowed: for free text where a TAB cannot change how the line is split into commands.
const CONTROL_EXCEPT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const WHITESPACE = /\s/;

export function requireString(where: string, value: unknown): string {
  if (typeof value !== 'string') throw guardError(`${where} must be a string`);
  return value;
}

/** Rejects control characters; `quote` false keeps the value out of the message (secrets). */
export function checkText(where: string, value: unknown, opts: { allowTab?: boolean; quote?: boolean } = {}): string {
  const s = requireString(where, value);
  const bad = (opts.allowTab === true ? CONTROL_EXCEPT_TAB : CONTROL).exec(s);
  if (bad !== null) {
    const what = bad[0] === '\r' || bad[0] === '\n' ? 'a line break' : bad[0] === '\0' ? 'NUL' : 'a control character';
    const shown = opts.quote === false ? '' : ` ${quoteForError(s)}`;
    throw guardError(`${where}${shown} contains ${what}`);
  }
  return s;
}

/**
 * A mailbox for MAIL FROM / RCPT TO, written between '<' and '>'. Spaces are allowed only inside a quoted
 * local part ("john doe"@example.com); '<' and '>' nowhere; a leading '@' would be a source route, which
 * RFC 5321 says to ignore at best and which some servers mis-route.
 */
export function checkAddress(where: string, value: unknown, allowEmpty: boolean): string {
  const s = checkText(where, value);
  if (s === '') {
    if (allowEmpty) return s;
    throw guardError(`${where} is empty`);
  }
  // The quoted form is built only for an error: this runs for every address of every message.
  const q = (): string => quoteForError(s);
  if (s.includes('<') || s.includes('>')) throw guardError(`${where} ${q()} contains '<' or '>'`);
  if (s.startsWith('@')) throw guardError(`${where} ${q()} starts with '@' (source routes are not allowed)`);
  let rest = s;
  if (s.startsWith('"')) {
    const close = closingQuote(s);
    if (close === -1) throw guardError(`${where} ${q()} has an unterminated quoted local part`);
    const inner = s.slice(1, close);
    // Only a plain space is harmless inside quotes: it cannot end the command, and the quotes keep it in.
    if (/[^\S ]/.test(inner)) throw guardError(`${where} ${q()} contains whitespace other than a space`);
    rest = s.slice(close + 1);
    if (rest !== '' && !rest.startsWith('@')) throw guardError(`${where} ${q()} has text after its quoted local part`);
  }
  if (WHITESPACE.test(rest)) throw guardError(`${where} ${q()} contains whitespace`);
  return s;
}

/** Index of the '"' that closes the quoted string opening at 0, honouring backslash escapes; -1 if none. */
function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '"') return i;
  }
  return -1;
}

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  let groups = s;
  let extra = 0;
  const lastColon = s.lastIndexOf(':');
  if (lastColon === -1) return false;
  if (s.includes('.')) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    groups = s.slice(0, lastColon + 1) + '0';
    extra = 1;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const count = (part: string): number => {
    if (part === '') return 0;
    const gs = part.split(':');
    return gs.every((g) => HEX_GROUP.test(g)) ? gs.length : NaN;
  };
  if (halves.length === 1) return count(groups) + extra === 8;
  const n = count(halves[0] ?? '') + count(halves[1] ?? '') + extra;
  return n <= 7;
}

/** EHLO/HELO argument: a hostname or an address literal [1.2.3.4] / [IPv6:...]. */
export function checkDomain(where: string, value: unknown): string {
  const s = checkText(where, value);
  const q = quoteForError(s);
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw guardError(`${where} ${q} is not a valid address literal`);
    const inner = s.slice(1, -1);
    const ok = /^IPv6:/i.test(inner) ? isIPv6(inner.slice(5)) : isIPv4(inner);
    if (!ok) throw guardError(`${where} ${q} is not a valid address literal`);
    return s;
  }
  if (s.length > 253 || !HOSTNAME.test(s)) throw guardError(`${where} ${q} is not a valid hostname`);
  return s;
}

/** Base64 for AUTH lines. The value is never quoted in the error: it usually carries a credential. */
export function checkBase64(where: string, value: unknown): string {
  const s = requireString(where, value);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw guardError(`${where} is not valid base64 (value not shown)`);
  }
  return s;
}

export function checkSize(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw guardError(`${where} must be a non-negative safe integer`);
  }
  return value;
}

export function checkOneOf<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw guardError(`${where} must be one of ${allowed.join(', ')}`);
}
