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

/**
 * A string of printable ASCII (with TAB, CR, LF) is scanned with string indexOf hops from one line break to
 * the next (V8 builtins, no per-character JS), and normalised by joining the pieces between lone CRs and LFs
 * with CRLF: the per-character work stays in the engine's builtins instead of a JS loop over every byte,
 * which matters because this runs once per text part of every message. Anything else goes through scanBytes, which tells non-ASCII from control characters and counts
 * line lengths in octets.
 */
function scanString(text: string): Scan {
  if (NOT_PLAIN.test(text)) return scanBytes(Buffer.from(text, 'utf8'));
  const n = text.length;
  let pieces: string[] | undefined; // the text between lone CRs and LFs, once there is one
  let copied = 0;
  let maxLine = 0;
  let lineStart = 0;
  let nextCR = text.indexOf('\r');
  let nextLF = text.indexOf('\n');
  while (nextCR !== -1 || nextLF !== -1) {
    let at: number; // where the current line ends
    let next: number; // where the next one starts
    if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
      at = nextCR;
      next = at + 1;
      if (text.charCodeAt(next) === 0x0a) {
        next += 1;
        nextLF = text.indexOf('\n', next);
      } else {
        (pieces ??= []).push(text.slice(copied, at));
        copied = next;
      }
      nextCR = text.indexOf('\r', next);
    } else {
      at = nextLF;
      next = at + 1;
      (pieces ??= []).push(text.slice(copied, at));
      copied = next;
      nextLF = text.indexOf('\n', next);
    }
    if (at - lineStart > maxLine) maxLine = at - lineStart;
    lineStart = next;
  }
  if (n - lineStart > maxLine) maxLine = n - lineStart;
  if (pieces !== undefined) pieces.push(text.slice(copied));
  const normalized = Buffer.from(pieces === undefined ? text : pieces.join('\r\n'), 'latin1');
  return { normalized, maxLine, nonAscii: false, controls: false };
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
