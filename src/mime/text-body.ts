/**
 * Transfer encoding for text parts (text, html, calendar), chosen per part:
 *   7bit   when every byte is printable ASCII (or TAB) and no line exceeds 998 octets;
 *   8bit   only when the caller says the session offers 8BITMIME, for valid UTF-8 with short lines;
 *   quoted-printable or base64 otherwise, whichever output is shorter.
 * Line breaks are normalized to CRLF first (text/* is canonically CRLF, and SMTP forbids bare CR/LF).
 * A final line break in the text is kept: the CRLF that starts the next MIME delimiter is not content.
 */

import { isUtf8 } from 'node:buffer';
import { base64EncodedLength, encodeBase64Lines } from './base64.js';
import { encodeQuotedPrintable } from './quoted-printable.js';

export type TransferEncoding = '7bit' | '8bit' | 'quoted-printable' | 'base64';

export interface EncodedText {
  encoding: TransferEncoding;
  /** Transfer-encoded bytes, lines separated by CRLF, no trailing CRLF. */
  body: Buffer;
}

interface Scan {
  normalized: Buffer;
  maxLine: number;
  nonAscii: boolean;
  controls: boolean;
}

/** Bytes: one pass for the facts and the count of bare CR/LF, a second pass only to rewrite those. */
function scanBytes(input: Buffer): Scan {
  let extra = 0;
  let line = 0;
  let maxLine = 0;
  let nonAscii = false;
  let controls = false;
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const b = input[i] as number;
    if (b === 0x0d || b === 0x0a) {
      if (b === 0x0d && i + 1 < n && input[i + 1] === 0x0a) i++;
      else extra++;
      if (line > maxLine) maxLine = line;
      line = 0;
      continue;
    }
    line++;
    if (b >= 0x80) nonAscii = true;
    else if ((b < 0x20 && b !== 0x09) || b === 0x7f) controls = true;
  }
  if (line > maxLine) maxLine = line;
  if (extra === 0) return { normalized: input, maxLine, nonAscii, controls };
  const out = Buffer.allocUnsafe(n + extra);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const b = input[i] as number;
    if (b === 0x0d || b === 0x0a) {
      if (b === 0x0d && i + 1 < n && input[i + 1] === 0x0a) i++;
      out[pos++] = 0x0d;
      out[pos++] = 0x0a;
    } else {
      out[pos++] = b;
    }
  }
  return { normalized: out, maxLine, nonAscii, controls };
}

/** Anything but printable ASCII, TAB, CR and LF: one pass answers "7bit-safe?" for most text. */
const NOT_PLAIN = /[^\t\r\n\x20-\x7e]/;
const BARE_BREAK = /\r(?!\n)|(?<!\r)\n/;
const ANY_BREAK = /\r\n|\r|\n/g;

/**
 * A string of printable ASCII: the same facts as scanBytes from native regex and indexOf passes, which are several
 * times faster than a JS loop over the bytes (this runs once per text part of every message). A string
 * with non-ASCII characters goes through the bytes, where line lengths are counted in octets.
 */
function scanString(text: string): Scan {
  // Non-ASCII or control characters: the byte scanner sorts out which (rare in bulk text, and exact).
  if (NOT_PLAIN.test(text)) return scanBytes(Buffer.from(text, 'utf8'));
  const s = BARE_BREAK.test(text) ? text.replace(ANY_BREAK, '\r\n') : text;
  let maxLine = 0;
  for (let start = 0; ; ) {
    const at = s.indexOf('\r\n', start);
    const end = at === -1 ? s.length : at;
    if (end - start > maxLine) maxLine = end - start;
    if (at === -1) break;
    start = at + 2;
  }
  return { normalized: Buffer.from(s, 'latin1'), maxLine, nonAscii: false, controls: false };
}

export function encodeText(text: string | Uint8Array, options: { allow8bit?: boolean } = {}): EncodedText {
  const s = typeof text === 'string' ? scanString(text) : scanBytes(Buffer.from(text.buffer, text.byteOffset, text.byteLength));
  if (!s.controls && s.maxLine <= 998) {
    if (!s.nonAscii) return { encoding: '7bit', body: s.normalized };
    if (options.allow8bit === true && isUtf8(s.normalized)) return { encoding: '8bit', body: s.normalized };
  }
  const qp = encodeQuotedPrintable(s.normalized);
  if (qp.length <= base64EncodedLength(s.normalized.length)) return { encoding: 'quoted-printable', body: qp };
  return { encoding: 'base64', body: encodeBase64Lines(s.normalized) };
}
