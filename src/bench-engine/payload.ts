/**
 * The messages a benchmark sends: valid RFC 5322, ASCII, CRLF line ends, lines under 78 characters, padded
 * to the requested size. The body is built once; only the small header block (unique Message-ID) is made
 * per message, so the generator costs little next to the protocol work being measured.
 */
import { randomBytes } from 'node:crypto';

export interface Payload {
  envelope: { from: string; to: string[] };
  /** Message number n as bytes. */
  message(n: number): Buffer;
}

export function makePayload(size: number, from: string, recipients: number, domain: string): Payload {
  const to = Array.from({ length: recipients }, (_, i) => `rcpt${i + 1}@${domain}`);
  const tag = randomBytes(6).toString('hex');
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const toHeader = to.length === 1 ? `<${to[0] ?? ''}>` : 'undisclosed-recipients:;';
  const header = (n: number): string =>
    `From: <${from}>\r\nTo: ${toHeader}\r\nSubject: mailwire bench ${n}\r\n` +
    `Date: ${date}\r\nMessage-ID: <${n}.${tag}@mailwire.bench>\r\nMIME-Version: 1.0\r\n` +
    'Content-Type: text/plain; charset=us-ascii\r\n\r\n';
  const headerSize = Buffer.byteLength(header(0)) + 8; // room for larger message numbers
  const body = filler(Math.max(0, size - headerSize));
  return {
    envelope: { from, to },
    message: (n) => {
      const head = Buffer.from(header(n), 'latin1');
      return Buffer.concat([head, body], head.length + body.length);
    },
  };
}

/** `length` bytes of 76-character lines (CRLF included in the count), ending with CRLF when non-empty. */
function filler(length: number): Buffer {
  const out = Buffer.alloc(length, 0x61);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < length; i++) out[i] = alphabet.charCodeAt(i % alphabet.length);
  for (let end = 76; end <= length; end += 78) {
    out[end] = 0x0d;
    if (end + 1 < length) out[end + 1] = 0x0a;
  }
  if (length >= 2) {
    if (length >= 3 && out[length - 3] === 0x0d) out[length - 3] = 0x61; // no bare CR before the final CRLF
    out[length - 2] = 0x0d;
    out[length - 1] = 0x0a;
  } else if (length === 1) {
    out[0] = 0x0a; // normalised to CRLF by the connection
  }
  return out;
}
