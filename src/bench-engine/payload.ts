/**
 * The messages a benchmark sends: valid RFC 5322, ASCII, CRLF line ends, lines under 78 characters, padded
 * to the requested size. The whole message is built once; what differs between messages (the number in
 * the Subject and the Message-ID) has a fixed width, so a sender patches those digits in place in a buffer
 * of its own and the generator costs neither an allocation nor a copy per message.
 */
import { randomBytes } from 'node:crypto';

/** Digits of the message number: fixed width, zero-padded (room for more messages than anyone sends). */
const DIGITS = 12;

export interface Payload {
  envelope: { from: string; to: string[] };
  /** Message number n as new bytes. */
  message(n: number): Buffer;
  /**
   * A reusable message buffer: `set(n)` turns it into message number n in place. A sender may reuse it only
   * once the server has answered the previous message (its bytes are then written).
   */
  slot(): PayloadSlot;
}

export interface PayloadSlot {
  readonly bytes: Buffer;
  set(n: number): void;
}

export function makePayload(size: number, from: string, recipients: number, domain: string): Payload {
  const to = Array.from({ length: recipients }, (_, i) => `rcpt${i + 1}@${domain}`);
  const tag = randomBytes(6).toString('hex');
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const toHeader = to.length === 1 ? `<${to[0] ?? ''}>` : 'undisclosed-recipients:;';
  const number = '0'.repeat(DIGITS);
  const subjectPrefix = `From: <${from}>\r\nTo: ${toHeader}\r\nSubject: mailwire bench `;
  const idPrefix = `\r\nDate: ${date}\r\nMessage-ID: <`;
  const header =
    `${subjectPrefix}${number}${idPrefix}${number}.${tag}@mailwire.bench>\r\nMIME-Version: 1.0\r\n` +
    'Content-Type: text/plain; charset=us-ascii\r\n\r\n';
  // Where the two copies of the number sit (the header is ASCII: string index = byte offset).
  const at = [subjectPrefix.length, subjectPrefix.length + DIGITS + idPrefix.length];
  const headerBytes = Buffer.from(header, 'latin1');
  const template = Buffer.concat([headerBytes, filler(Math.max(0, size - headerBytes.length))]);

  const slot = (): PayloadSlot => {
    const bytes = Buffer.from(template);
    return { bytes, set: (n) => writeNumber(bytes, at, n) };
  };
  return {
    envelope: { from, to },
    message: (n) => {
      const s = slot();
      s.set(n);
      return s.bytes;
    },
    slot,
  };
}

/** Writes n as DIGITS zero-padded decimal digits at each offset. */
function writeNumber(bytes: Buffer, offsets: readonly number[], n: number): void {
  for (const offset of offsets) {
    let rest = n;
    for (let i = offset + DIGITS - 1; i >= offset; i--) {
      bytes[i] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
  }
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
    out[0] = 0x61; // no room for a CRLF: the sender ends the content with one (as the client does)
  }
  return out;
}
