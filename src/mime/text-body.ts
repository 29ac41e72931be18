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

/** One pass: CRLF-normalizes and collects what the encoding choice needs. */
function scan(input: Buffer): Scan {
  let extra = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i];
    if (b === 0x0a && input[i - 1] !== 0x0d) extra++;
    else if (b === 0x0d && input[i + 1] !== 0x0a) extra++;
  }
  const out = extra === 0 ? input : Buffer.allocUnsafe(input.length + extra);
  let pos = 0;
  let line = 0;
  let maxLine = 0;
  let nonAscii = false;
  let controls = false;
  for (let i = 0; i < input.length; i++) {
    const b = input[i] as number;
    if (b === 0x0d || b === 0x0a) {
      if (b === 0x0d && input[i + 1] === 0x0a) i++;
      if (extra !== 0) {
        out[pos++] = 0x0d;
        out[pos++] = 0x0a;
      }
      if (line > maxLine) maxLine = line;
      line = 0;
      continue;
    }
    if (extra !== 0) out[pos++] = b;
    line++;
    if (b >= 0x80) nonAscii = true;
    else if ((b < 0x20 && b !== 0x09) || b === 0x7f) controls = true;
  }
  if (line > maxLine) maxLine = line;
  return { normalized: out, maxLine, nonAscii, controls };
}

export function encodeText(text: string | Uint8Array, options: { allow8bit?: boolean } = {}): EncodedText {
  const input = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  const s = scan(input);
  if (!s.controls && s.maxLine <= 998) {
    if (!s.nonAscii) return { encoding: '7bit', body: s.normalized };
    if (options.allow8bit === true && isUtf8(s.normalized)) return { encoding: '8bit', body: s.normalized };
  }
  const qp = encodeQuotedPrintable(s.normalized);
  if (qp.length <= base64EncodedLength(s.normalized.length)) return { encoding: 'quoted-printable', body: qp };
  return { encoding: 'base64', body: encodeBase64Lines(s.normalized) };
}
