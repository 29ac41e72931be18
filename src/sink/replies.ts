/**
 * Every fixed reply the sink sends, with its RFC 3463 enhanced status code, in one place so the protocol
 * behaviour can be read (and tested against) as a table. Each constant is a complete CRLF-terminated line.
 */

function line(code: number, enhanced: string, text: string): string {
  return `${code} ${enhanced} ${text}\r\n`;
}

export const R = {
  ok: line(250, '2.0.0', 'OK'),
  senderOk: line(250, '2.1.0', 'Sender OK'),
  recipientOk: line(250, '2.1.5', 'Recipient OK'),
  startData: '354 Start mail input; end with <CRLF>.<CRLF>\r\n',
  startTls: line(220, '2.0.0', 'Ready to start TLS'),
  authOk: line(235, '2.7.0', 'Authentication successful'),
  vrfy: line(252, '2.5.0', 'Cannot VRFY user, but will accept message and attempt delivery'),
  help: line(214, '2.0.0', 'See RFC 5321'),
  bye: line(221, '2.0.0', 'Bye'),

  shuttingDown: line(421, '4.3.2', 'Service shutting down, closing connection'),
  tooManyConnections: line(421, '4.3.2', 'Too many connections, try again later'),
  idleTimeout: line(421, '4.4.2', 'Idle timeout, closing connection'),
  tooManyErrors: line(421, '4.7.0', 'Too many errors, closing connection'),
  localError: line(451, '4.3.0', 'Local error in processing'),
  tooManyRecipients: line(452, '4.5.3', 'Too many recipients'),

  unknownCommand: line(500, '5.5.2', 'Command unrecognized'),
  lineTooLong: line(500, '5.5.2', 'Line too long'),
  bareLf: line(500, '5.5.2', 'Command lines must end with CRLF'),
  syntax: line(501, '5.5.4', 'Syntax error in parameters or arguments'),
  syntaxHelo: line(501, '5.5.4', 'Domain name required'),
  syntaxMail: line(501, '5.5.4', 'Syntax: MAIL FROM:<address> [parameters]'),
  syntaxRcpt: line(501, '5.5.4', 'Syntax: RCPT TO:<address> [parameters]'),
  syntaxBdat: line(501, '5.5.4', 'Syntax: BDAT <size> [LAST]'),
  badAddress: line(501, '5.1.3', 'Bad address syntax'),
  badBase64: line(501, '5.5.2', 'Cannot decode base64 response'),
  authAborted: line(501, '5.7.0', 'Authentication aborted'),
  notImplemented: line(502, '5.5.1', 'Command not implemented'),
  needHelo: line(503, '5.5.1', 'Send EHLO or HELO first'),
  nestedMail: line(503, '5.5.1', 'Nested MAIL command'),
  needMail: line(503, '5.5.1', 'Send MAIL first'),
  inTransaction: line(503, '5.5.1', 'Not allowed during a mail transaction'),
  alreadyAuthed: line(503, '5.5.1', 'Already authenticated'),
  alreadyTls: line(503, '5.5.1', 'TLS already active'),
  bdatInProgress: line(503, '5.5.1', 'DATA not allowed after BDAT'),
  noValidRecipients: line(554, '5.5.1', 'No valid recipients'),
  unknownMechanism: line(504, '5.5.4', 'Unrecognized authentication type'),
  needTls: line(530, '5.7.0', 'Must issue a STARTTLS command first'),
  needAuth: line(530, '5.7.0', 'Authentication required'),
  badCredentials: line(535, '5.7.8', 'Authentication credentials invalid'),
  recipientRefused: line(550, '5.1.1', 'Mailbox unavailable'),
  tooBig: line(552, '5.3.4', 'Message size exceeds fixed maximum message size'),
  needSmtputf8: line(553, '5.6.7', 'Non-ASCII address requires the SMTPUTF8 parameter'),
  unknownParam: line(555, '5.5.4', 'Parameter not recognized'),
} as const;

/**
 * The fixed replies as bytes, encoded once: the connection writes Buffers, and a reply looked up here is
 * not encoded again for every message.
 */
const ENCODED = new Map<string, Buffer>(Object.values(R).map((reply) => [reply, Buffer.from(reply, 'latin1')]));

/** A reply as the bytes to write (a fixed one from the table above, or any other encoded as UTF-8). */
export function encodeReply(reply: string): Buffer {
  return ENCODED.get(reply) ?? Buffer.from(reply, 'utf8');
}

export function greeting(hostname: string, banner: string): string {
  return `220 ${hostname} ${banner}\r\n`;
}

export function queued(id: string): string {
  return line(250, '2.0.0', `OK: queued as ${id}`);
}

/** queued() as bytes (ids are ASCII). */
export function queuedReply(id: string): Buffer {
  return Buffer.from(queued(id), 'latin1');
}

export function chunkReceived(size: number): string {
  return line(250, '2.0.0', `${size} octets received`);
}

export interface EhloFeatures {
  pipelining: boolean;
  maxMessageBytes: number;
  chunking: boolean;
  startTls: boolean;
  auth: boolean;
}

export function ehloReply(hostname: string, clientName: string, f: EhloFeatures): string {
  const lines = [`${hostname} greets ${clientName}`];
  if (f.pipelining) lines.push('PIPELINING');
  lines.push('8BITMIME', 'SMTPUTF8', `SIZE ${f.maxMessageBytes}`, 'ENHANCEDSTATUSCODES');
  if (f.chunking) lines.push('CHUNKING');
  lines.push('DSN');
  if (f.startTls) lines.push('STARTTLS');
  if (f.auth) lines.push('AUTH PLAIN LOGIN');
  let out = '';
  for (let i = 0; i < lines.length; i++) out += `250${i === lines.length - 1 ? ' ' : '-'}${lines[i]}\r\n`;
  return out;
}
