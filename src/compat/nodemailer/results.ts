/**
 * mailwire's results and errors in nodemailer's shape: `info` with accepted/rejected as address strings,
 * and errors with nodemailer's `responseCode` beside `response` and `command`. Errors stay SmtpError
 * (codes are already nodemailer's vocabulary: EAUTH, EENVELOPE, ECONNECTION, ETIMEDOUT, ETLS, EMESSAGE...),
 * so `instanceof SmtpError` and `hint` keep working.
 */
import { SmtpError } from '../../errors.js';
import type { SendInfo } from '../../transport/results.js';
import type { NodemailerInfo } from './types.js';

interface RecipientRefusal {
  address: string;
  code: number;
  message: string;
}

function refusalError(r: RecipientRefusal): SmtpError {
  const error = new SmtpError('EENVELOPE', `Recipient command failed: ${r.code} ${r.message}`, {
    phase: 'rcpt',
    ...(r.code > 0 ? { replyCode: r.code } : {}),
    response: `${r.code} ${r.message}`,
    command: 'RCPT TO',
  });
  return withNodemailerFields(error, { recipient: r.address });
}

function define(target: object, fields: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** nodemailer's `command` for each phase, when mailwire's error does not name the exact command. */
const COMMANDS: Partial<Record<SmtpError['phase'], string>> = {
  connect: 'CONN', greeting: 'CONN', ehlo: 'EHLO', starttls: 'STARTTLS', auth: 'AUTH', mail: 'MAIL FROM', rcpt: 'RCPT TO', data: 'DATA',
};

function withNodemailerFields(error: SmtpError, extra: Record<string, unknown> = {}): SmtpError {
  if (error.replyCode !== undefined) define(error, { responseCode: error.replyCode });
  const command = COMMANDS[error.phase];
  if (error.command === undefined && command !== undefined) define(error, { command });
  define(error, extra);
  return error;
}

/** An error as nodemailer callers read it: `responseCode`; for EENVELOPE, `rejected` as strings and `rejectedErrors`. */
export function toNodemailerError(error: unknown): unknown {
  if (!SmtpError.is(error)) return error;
  const rejected = error.rejected as RecipientRefusal[] | undefined;
  if (rejected && rejected.length > 0 && typeof rejected[0] === 'object') {
    return withNodemailerFields(error, { rejected: rejected.map((r) => r.address), rejectedErrors: rejected.map(refusalError) });
  }
  return withNodemailerFields(error);
}

export function toNodemailerInfo(info: SendInfo): NodemailerInfo {
  const out: NodemailerInfo = {
    accepted: [...info.accepted],
    rejected: info.rejected.map((r) => r.address),
    response: info.response,
    messageId: info.messageId.startsWith('<') ? info.messageId : `<${info.messageId}>`,
    envelope: { from: info.envelope.from === '' ? false : info.envelope.from, to: [...info.envelope.to] },
    messageSize: info.messageBytes,
    messageTime: Math.round(info.durationMs),
  };
  if (info.rejected.length > 0) out.rejectedErrors = info.rejected.map(refusalError);
  return out;
}
