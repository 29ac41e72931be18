/**
 * Parsing of the MAIL FROM / RCPT TO arguments (RFC 5321 4.1.2) and their ESMTP parameters (SIZE, BODY,
 * SMTPUTF8 from RFC 1870/6152/6531; RET, ENVID, NOTIFY, ORCPT from RFC 3461; AUTH from RFC 4954).
 * Pure: a string in, a value or the exact error reply out.
 */

import { R } from './replies.js';

export interface PathArgument {
  /** Without the angle brackets; '' for `<>`. */
  address: string;
  /** Parameters as sent, e.g. 'SIZE=1234'. */
  params: string[];
}

export interface MailParams {
  /** The declared SIZE=, if any. */
  size: number | undefined;
  smtputf8: boolean;
}

const PARAM = /^[A-Za-z0-9][A-Za-z0-9-]*(=[^\s=]+)?$/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * `FROM:<a@b> SIZE=10` -> { address: 'a@b', params: ['SIZE=10'] }, or an error reply line.
 * One space after the colon is tolerated (many clients send it), source routes are dropped (RFC 5321 C).
 */
export function parsePathArgument(arg: string, keyword: 'FROM' | 'TO'): PathArgument | string {
  const syntaxReply = keyword === 'FROM' ? R.syntaxMail : R.syntaxRcpt;
  if (arg.length < keyword.length + 3 || !startsWithKeyword(arg, keyword)) return syntaxReply;
  let i = keyword.length + 1;
  while (arg.charCodeAt(i) === 0x20) i++;
  if (arg[i] !== '<') return syntaxReply;
  const close = closingBracket(arg, i + 1);
  if (close === -1) return syntaxReply;
  let address = arg.slice(i + 1, close);
  const rest = arg.slice(close + 1);
  if (rest !== '' && rest[0] !== ' ') return syntaxReply;
  if (address.startsWith('@')) {
    const colon = address.indexOf(':');
    if (colon === -1) return R.badAddress;
    address = address.slice(colon + 1);
  }
  if (!validAddress(address, keyword)) return R.badAddress;
  // Most commands have no parameters: no split, no filter.
  const params = rest === '' ? [] : rest.split(' ').filter((p) => p !== '');
  for (const p of params) if (!PARAM.test(p)) return R.syntax;
  return { address, params };
}

/** `arg` starts with KEYWORD ":" in any ASCII case (per character, without making an upper-case copy). */
function startsWithKeyword(arg: string, keyword: string): boolean {
  for (let k = 0; k < keyword.length; k++) {
    const c = arg.charCodeAt(k);
    // Keywords are upper-case letters: c | 0x20 equals the lower-case letter only for the letter itself.
    if ((c | 0x20) !== (keyword.charCodeAt(k) | 0x20)) return false;
  }
  return arg.charCodeAt(keyword.length) === 0x3a; // ':'
}

/** Index of the '>' that closes the path, skipping quoted strings and quoted-pairs. */
function closingBracket(s: string, from: number): number {
  let quoted = false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++; // backslash: quoted-pair
    else if (c === 0x22) quoted = !quoted;
    else if (c === 0x3e && !quoted) return i;
  }
  return -1;
}

function validAddress(address: string, keyword: 'FROM' | 'TO'): boolean {
  if (address === '') return keyword === 'FROM';
  // One pass instead of a regex, a lastIndexOf and a slice: control characters out, find the last '@'.
  let at = -1;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
    if (c === 0x40) at = i;
  }
  if (keyword === 'TO' && address.length === 10 && address.toLowerCase() === 'postmaster') return true;
  if (at <= 0 || at === address.length - 1) return false;
  if (address.charCodeAt(at + 1) === 0x5b) return address.charCodeAt(address.length - 1) === 0x5d; // [literal]
  for (let i = at + 1; i < address.length; i++) {
    const c = address.charCodeAt(i);
    // Beyond ASCII, \s also matches Unicode spaces: let the regex decide.
    if (c > 0x7f) return !DOMAIN_SPECIAL.test(address.slice(at + 1));
    if (ASCII_SPECIAL[c] === 1) return false;
  }
  return true;
}

/** What a domain may not contain (whitespace, '@', brackets, quotes, separators). */
const DOMAIN_SPECIAL = /[\s@<>()[\]\\,;:"]/;
/** DOMAIN_SPECIAL over ASCII, as a table (control characters are refused before this is used). */
const ASCII_SPECIAL = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (DOMAIN_SPECIAL.test(String.fromCharCode(c))) ASCII_SPECIAL[c] = 1;

/**
 * The address of the usual argument shape, `FROM:<local@domain>` or `TO:<local@domain>` with nothing after
 * it, read straight from the command line's bytes line[from, end): printable ASCII without spaces, quotes,
 * backslashes, source route or address literal. undefined for any other shape, which then goes through
 * parsePathArgument; on every input this accepts, the two give the same address (and no parameters), so
 * the common command costs one byte loop and one string instead of decoding, slicing and re-checking.
 */
export function simplePath(line: Buffer, from: number, end: number, keyword: 'FROM' | 'TO'): string | undefined {
  const k = keyword.length;
  const a = from + k + 2; // first byte of the address, after "KEYWORD:<"
  const z = end - 1; // the closing '>'
  if (z - a < 3 || line[from + k] !== 0x3a || line[a - 1] !== 0x3c || line[z] !== 0x3e) return undefined;
  for (let i = 0; i < k; i++) if (((line[from + i] ?? 0) | 0x20) !== (keyword.charCodeAt(i) | 0x20)) return undefined;
  let at = -1;
  for (let i = a; i < z; i++) {
    const c = line[i] ?? 0;
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e) return undefined;
    if (c === 0x40) at = i;
  }
  // A source route ("@relay:" before the address) starts with '@'; the general parser drops it.
  if (at <= a || line[a] === 0x40 || at >= z - 1 || line[at + 1] === 0x5b) return undefined;
  for (let i = at + 1; i < z; i++) if (ASCII_SPECIAL[line[i] ?? 0] === 1) return undefined;
  return line.toString('latin1', a, z);
}

export function isNonAscii(address: string): boolean {
  return NON_ASCII.test(address);
}

function splitParam(p: string): [string, string | undefined] {
  const eq = p.indexOf('=');
  return eq === -1 ? [p.toUpperCase(), undefined] : [p.slice(0, eq).toUpperCase(), p.slice(eq + 1)];
}

/** Checks the MAIL FROM parameters we advertise; returns the facts the session needs or an error reply. */
export function checkMailParams(params: readonly string[], maxBytes: number): MailParams | string {
  const result: MailParams = { size: undefined, smtputf8: false };
  if (params.length === 0) return result;
  const seen = new Set<string>();
  for (const p of params) {
    const [key, value] = splitParam(p);
    if (seen.has(key)) return R.syntax;
    seen.add(key);
    switch (key) {
      case 'SIZE':
        if (value === undefined || !/^\d{1,20}$/.test(value)) return R.syntax;
        result.size = Number(value);
        if (result.size > maxBytes) return R.tooBig;
        break;
      case 'BODY':
        if (value === undefined || !/^(7BIT|8BITMIME)$/i.test(value)) return R.syntax;
        break;
      case 'SMTPUTF8':
        if (value !== undefined) return R.syntax;
        result.smtputf8 = true;
        break;
      case 'RET':
        if (value === undefined || !/^(FULL|HDRS)$/i.test(value)) return R.syntax;
        break;
      case 'ENVID':
      case 'AUTH':
        if (value === undefined) return R.syntax;
        break;
      default:
        return R.unknownParam;
    }
  }
  return result;
}

/** Checks the RCPT TO parameters (DSN NOTIFY and ORCPT); returns null when fine, else an error reply. */
export function checkRcptParams(params: readonly string[]): string | null {
  if (params.length === 0) return null;
  const seen = new Set<string>();
  for (const p of params) {
    const [key, value] = splitParam(p);
    if (seen.has(key)) return R.syntax;
    seen.add(key);
    if (key === 'NOTIFY') {
      if (value === undefined) return R.syntax;
      const parts = value.toUpperCase().split(',');
      const never = parts.includes('NEVER');
      if ((never && parts.length > 1) || !parts.every((x) => x === 'NEVER' || x === 'SUCCESS' || x === 'FAILURE' || x === 'DELAY')) {
        return R.syntax;
      }
    } else if (key === 'ORCPT') {
      if (value === undefined || !value.includes(';')) return R.syntax;
    } else {
      return R.unknownParam;
    }
  }
  return null;
}
