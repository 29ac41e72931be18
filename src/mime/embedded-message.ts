/**
 * The body of a message/rfc822 attachment (a forwarded message, an .eml file).
 *
 * RFC 2046 5.2.1 allows only "7bit", "8bit" or "binary" for such a body, never base64 or
 * quoted-printable: a reader is meant to see the enclosed message as it is. So these bytes are not
 * encoded but checked, before anything is written. Line ends become CRLF, because an .eml saved on Unix
 * has bare LFs and SMTP carries only CRLF. NUL and lines over 998 octets (RFC 5322 2.1.1) are refused,
 * because neither 7bit nor 8bit can carry them. Bytes over 127 make the part 8bit, and then the message
 * needs the server's 8BITMIME (the envelope asks for it, and a server without it gets an EMESSAGE before
 * MAIL). Each refusal names the way out: attach the file as application/octet-stream.
 */

import { guardError } from '../errors.js';

export interface EmbeddedMessage {
  /** The message with CRLF line ends: the same Buffer when it already had them. */
  data: Buffer;
  encoding: '7bit' | '8bit';
}

const MAX_LINE = 998;

export function encodeEmbeddedMessage(bytes: Buffer, field: string): EmbeddedMessage {
  const refuse = (why: string): never => {
    throw guardError(`${field}: a message/rfc822 attachment cannot be sent as 7bit or 8bit (RFC 2046 5.2.1): ${why}; attach it as application/octet-stream instead`);
  };
  let bareEnds = 0;
  let eightBit = false;
  let lineStart = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number;
    if (b === 0x0a || b === 0x0d) {
      if (i - lineStart > MAX_LINE) refuse(`line ${lineNumber(bytes, lineStart)} is longer than ${MAX_LINE} octets`);
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
      else bareEnds++;
      lineStart = i + 1;
    } else if (b === 0) {
      refuse(`it contains a NUL byte at offset ${i}`);
    } else if (b > 0x7f) {
      eightBit = true;
    }
  }
  if (n - lineStart > MAX_LINE) refuse(`line ${lineNumber(bytes, lineStart)} is longer than ${MAX_LINE} octets`);
  return { data: bareEnds === 0 ? bytes : withCrlf(bytes, bareEnds), encoding: eightBit ? '8bit' : '7bit' };
}

/** Every bare CR and bare LF becomes CRLF; a CRLF stays as it is. */
function withCrlf(bytes: Buffer, bareEnds: number): Buffer {
  const out = Buffer.allocUnsafe(bytes.length + bareEnds);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x0d) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      if (bytes[i + 1] === 0x0a) i++;
    } else if (b === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    } else {
      out[o++] = b;
    }
  }
  return out;
}

/** 1-based number of the line that starts at `offset`, for the error message only. */
function lineNumber(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) line++;
  }
  return line;
}
