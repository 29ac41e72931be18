/**
 * RFC 3461 section 4 "xtext", used by the DSN parameters ENVID and ORCPT.
 *
 *   xtext = *( xchar / hexchar ); xchar = "!".."~" except "+" and "="; hexchar = "+" 2(upper-case HEXDIG)
 *
 * Encoding works on UTF-8 bytes so any string survives the trip. The result is printable ASCII without SP,
 * CR, LF or '=', which is what keeps an ESMTP parameter value inside its own token on the command line.
 */

import { SmtpError } from '../errors.js';

const HEX = '0123456789ABCDEF';

export function encodeXtext(value: string): string {
  let out = '';
  let plainFrom = 0;
  // Fast path for the usual all-printable ASCII value: scan chars, fall back to bytes only when needed.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 33 && c <= 126 && c !== 43 && c !== 61) continue;
    out += value.slice(plainFrom, i);
    if (c < 128) {
      out += '+' + HEX[c >> 4] + HEX[c & 15];
      plainFrom = i + 1;
    } else {
      // Take the whole non-ASCII run (surrogate pairs included) and encode its UTF-8 bytes.
      let j = i + 1;
      while (j < value.length && value.charCodeAt(j) >= 128) j++;
      for (const b of Buffer.from(value.slice(i, j), 'utf8')) out += '+' + HEX[b >> 4] + HEX[b & 15];
      plainFrom = j;
      i = j - 1;
    }
  }
  return out + value.slice(plainFrom);
}

/**
 * Inverse of encodeXtext. Lower-case hex is accepted (be liberal in what you accept); a '+' without two hex
 * digits, or a byte outside "!".."~", is an EPROTOCOL error. Invalid UTF-8 decodes to U+FFFD.
 */
export function decodeXtext(value: string): string {
  if (!/^(?:[!-*,-<>-~]|\+[0-9A-Fa-f]{2})*$/.test(value)) {
    throw new SmtpError('EPROTOCOL', 'malformed xtext', { transient: false });
  }
  if (!value.includes('+')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 43) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
