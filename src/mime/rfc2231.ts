/**
 * MIME header parameters (`name="value"`), with RFC 2231 encoding for values that are not short
 * printable ASCII: `filename*=utf-8''%E2%82%AC.pdf`, split into `filename*0*=...; filename*1*=...`
 * continuations so no line gets long. Segments never split a %XX escape or a UTF-8 character.
 */

const SEGMENT = 60; // characters of encoded value per continuation
const HEX = '0123456789ABCDEF';

// RFC 2045 token characters: printable ASCII minus tspecials and space.
function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && !'()<>@,;:\\"/[]?='.includes(String.fromCharCode(c));
}

// RFC 5987 attr-char: what may appear unescaped in an extended value.
function isAttrChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    '!#$&+-.^_`|~'.includes(String.fromCharCode(c))
  );
}

export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!isTokenChar(value.charCodeAt(i))) return false;
  return true;
}

/** Printable ASCII (space allowed), not leading/trailing space, no "=?": safe in a quoted-string as is. */
export function isPlainParamValue(value: string, maxLength: number): boolean {
  if (value.length === 0 || value.length > maxLength) return false;
  if (value.startsWith(' ') || value.endsWith(' ') || value.includes('=?')) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** A quoted-string with " and \ escaped. */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** `name=token` or `name="quoted"`: for ASCII values the caller has checked. */
export function plainParam(name: string, value: string): string {
  return `${name}=${isToken(value) ? value : quoteString(value)}`;
}

/** RFC 2231 extended parameter(s), one string per continuation, to be joined with "; ". */
export function extendedParams(name: string, value: string): string[] {
  const units: string[] = [];
  for (const ch of value) {
    let u = '';
    for (const b of Buffer.from(ch, 'utf8')) u += isAttrChar(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
    units.push(u);
  }
  const segments: string[] = [];
  let cur = '';
  for (const u of units) {
    if (cur.length + u.length > SEGMENT && cur !== '') {
      segments.push(cur);
      cur = '';
    }
    cur += u;
  }
  segments.push(cur);
  if (segments.length === 1) return [`${name}*=utf-8''${segments[0] ?? ''}`];
  return segments.map((s, i) => (i === 0 ? `${name}*0*=utf-8''${s}` : `${name}*${i}*=${s}`));
}

/**
 * A parameter the way mail clients read it best: plain when it is short printable ASCII, RFC 2231
 * otherwise.
 */
export function formatParam(name: string, value: string): string[] {
  return isPlainParamValue(value, SEGMENT) ? [plainParam(name, value)] : extendedParams(name, value);
}
