/**
 * The bytes the message pump writes, prepared once per session from the server's capabilities: the
 * envelope commands (validated by the protocol's encoders, with SIZE= as the client adds it), and what
 * ends the message content. The content itself is the payload's template, checked here once for what the
 * client would otherwise fix on every send: a bare CR or LF (only CRLF may reach the wire), a line starting
 * with a dot (it would need stuffing) and a missing final CRLF. The digits a lane patches per message are
 * never a CR, an LF or a dot, so a template that passes stays valid for every message number.
 */
import { SmtpError } from '../errors.js';
import * as cmd from '../protocol/commands.js';
import type { Capabilities } from '../protocol/capabilities.js';

export interface PumpWire {
  /** Bytes of message content (what SIZE= says). */
  size: number;
  /** MAIL FROM line alone (servers without PIPELINING). */
  mail: Buffer;
  /** One RCPT TO line per recipient. */
  rcpts: Buffer[];
  /** MAIL + every RCPT in one buffer (PIPELINING). */
  envelope: Buffer;
  data: Buffer;
  rset: Buffer;
  quit: Buffer;
  /** "BDAT <size> LAST\r\n" for the whole content. */
  bdatLast: Buffer;
  /** Written after the content with DATA: the final CRLF when the content lacks it, then the dot. */
  terminator: Buffer;
  /** Written after the content with BDAT: the final CRLF when the content lacks it (may be empty). */
  bdatTail: Buffer;
}

const CRLF = Buffer.from('\r\n', 'latin1');

/** Builds the session's wire bytes; throws ECONFIG when the template is not clean CRLF text without dot lines. */
export function prepareWire(envelope: { from: string; to: string[] }, template: Buffer, caps: Capabilities): PumpWire {
  const tail = checkTemplate(template);
  const size = template.byteLength + tail.byteLength;
  const mail = Buffer.from(cmd.mailFrom(envelope.from, caps.size !== undefined ? { size } : {}), 'utf8');
  const rcpts = envelope.to.map((to) => Buffer.from(cmd.rcptTo(to), 'utf8'));
  return {
    size,
    mail,
    rcpts,
    envelope: Buffer.concat([mail, ...rcpts]),
    data: Buffer.from(cmd.data(), 'latin1'),
    rset: Buffer.from(cmd.rset(), 'latin1'),
    quit: Buffer.from(cmd.quit(), 'latin1'),
    bdatLast: Buffer.from(cmd.bdat(size, true), 'latin1'),
    terminator: Buffer.concat([tail, Buffer.from('.\r\n', 'latin1')]),
    bdatTail: tail,
  };
}

/** The bytes that end the content with CRLF (none when it already does); refuses what would need fixing. */
function checkTemplate(bytes: Buffer): Buffer {
  const bad = (what: string): never => {
    throw new SmtpError('ECONFIG', `bench payload ${what}`, { phase: 'data', transient: false });
  };
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (b === 0x0d && bytes[i + 1] !== 0x0a) bad(`has a bare CR at byte ${i}`);
    if (b === 0x0a && bytes[i - 1] !== 0x0d) bad(`has a bare LF at byte ${i}`);
    if (b === 0x2e && (i === 0 || bytes[i - 1] === 0x0a)) bad(`has a line starting with a dot at byte ${i}`);
  }
  const endsWithCrlf = bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d && bytes[bytes.length - 1] === 0x0a;
  return endsWithCrlf || bytes.length === 0 ? Buffer.alloc(0) : CRLF;
}
