/**
 * The envelope of one transaction: the checks and parameters decided before MAIL is written (SIZE, 8BITMIME,
 * SMTPUTF8, DSN), and the sorting of the MAIL/RCPT/DATA replies into accepted, refused and fatal.
 * Pure: no I/O, so every rule here is decided before a byte of the transaction leaves.
 */
import { SmtpError, type RejectedRecipient } from '../errors.js';
import * as cmd from '../protocol/commands.js';
import type { Capabilities } from '../protocol/capabilities.js';
import { isPositive, type Reply } from '../protocol/reply.js';
import type { Transcript } from './transcript.js';
import { replyError } from './reply-errors.js';
import type { BodyInfo } from './body-source.js';
import { dsnNotifyList, type DsnOptions } from '../guards/ids.js';

/** The SMTP envelope: MAIL FROM and the RCPT TO addresses (bare, no display names). */
export interface Envelope {
  from: string;
  to: string[];
}

export type { DsnOptions };

/** Options of one transaction on a connection: an AbortSignal, the size and 8-bit flag of the body, DSN, and a hook before the final dot. */
export interface SendOptions {
  signal?: AbortSignal;
  /** Exact size for SIZE= when the body is a stream the connection cannot measure. */
  size?: number;
  /** The body has 8-bit bytes (BODY=8BITMIME); detected automatically for in-memory bodies. */
  eightBit?: boolean;
  /** The message needs SMTPUTF8 (UTF-8 addresses in its headers); it is also used when an envelope address is not ASCII. */
  smtpUtf8?: boolean;
  dsn?: DsnOptions;
  /**
   * Awaited once the message is ready to commit, just before the final terminator (the last dot, or BDAT
   * LAST) is written: whatever it records happens-before the server can have the message. A rejection
   * ends the send with delivery 'none' (nothing was committed). Called once per attempt.
   */
  beforeCommit?: () => void | Promise<void>;
  /** RFC 8689: MAIL ... REQUIRETLS. The session checks TLS and the server's offer before it gets here. */
  requireTls?: boolean;
}

export type { RejectedRecipient };


export interface EnvelopePlan {
  mailLine: string;
  rcptLines: Array<{ address: string; line: string }>;
}

export interface EnvelopeAccepted {
  ok: true;
  accepted: string[];
  rejected: RejectedRecipient[];
}
export interface EnvelopeRefused {
  ok: false;
  error: SmtpError;
  needsReset: boolean;
  dataAccepted: boolean;
}
export type EnvelopeOutcome = EnvelopeAccepted | EnvelopeRefused;

const NON_ASCII = /[^\x00-\x7f]/;

export function planEnvelope(envelope: Envelope, info: BodyInfo, options: SendOptions, caps: Capabilities, transcript: Transcript): EnvelopePlan {
  if (envelope.to.length === 0) {
    throw new SmtpError('EENVELOPE', 'No recipients: the envelope needs at least one address', { phase: 'rcpt', transient: false });
  }
  const size = options.size ?? info.size;
  if (size !== undefined && caps.size !== undefined && caps.size > 0 && size > caps.size) {
    throw new SmtpError('ESIZE', `The message is ${size} bytes; the server accepts at most ${caps.size} (SIZE)`, {
      phase: 'mail',
      transient: false,
    });
  }
  const eightBit = options.eightBit ?? info.eightBit;
  if (eightBit && !caps.eightBitMime) {
    throw new SmtpError('EMESSAGE', 'The message has 8-bit content but the server does not offer 8BITMIME; encode it as 7-bit (quoted-printable/base64; an 8-bit message/rfc822 attachment can only go as application/octet-stream)', {
      phase: 'mail',
      transient: false,
    });
  }
  const utf8Envelope = NON_ASCII.test(envelope.from) || envelope.to.some((a) => NON_ASCII.test(a));
  const smtpUtf8 = options.smtpUtf8 === true || utf8Envelope;
  if (smtpUtf8 && !caps.smtpUtf8) {
    // Nothing is written: the message could only go out mangled (RFC 6531 3.4 forbids downgrading it).
    const hint = 'the server does not offer SMTPUTF8; use an ASCII address or a server that supports it';
    throw utf8Envelope
      ? new SmtpError('EENVELOPE', `An envelope address is not ASCII and the server does not offer SMTPUTF8 (hint: ${hint})`, { phase: 'mail', transient: false, hint })
      : new SmtpError('EMESSAGE', `A header address is not ASCII and the server does not offer SMTPUTF8 (hint: ${hint})`, { phase: 'mail', transient: false, hint });
  }
  const dsn = options.dsn && caps.dsn ? options.dsn : undefined;
  if (options.dsn && !caps.dsn) transcript.info('DSN parameters dropped: the server does not offer DSN');
  const mailParams: cmd.MailParams = {};
  if (size !== undefined && caps.size !== undefined) mailParams.size = size;
  if (eightBit) mailParams.body = '8BITMIME';
  if (smtpUtf8) mailParams.smtpUtf8 = true;
  if (dsn?.ret) mailParams.ret = dsn.ret;
  if (dsn?.envid) mailParams.envid = dsn.envid;
  if (options.requireTls === true) mailParams.requireTls = true;
  const rcptParams: cmd.RcptParams = {};
  // The protocol layer checks each keyword (and that NEVER stands alone) when it writes the line.
  if (dsn?.notify) rcptParams.notify = dsnNotifyList(dsn.notify) as cmd.RcptParams['notify'];
  return {
    mailLine: cmd.mailFrom(envelope.from, mailParams),
    rcptLines: envelope.to.map((address) => ({
      address,
      // ORCPT: the caller's original recipient when given (RFC 3461 4.2), for every recipient of this envelope.
      line: cmd.rcptTo(address, dsn?.orcpt || dsn?.notify ? { ...rcptParams, ...(dsn?.orcpt ? { orcpt: dsn.orcpt } : {}) } : {}),
    })),
  };
}

export function classify(plan: EnvelopePlan, replies: Reply[], withData: boolean): EnvelopeOutcome {
  const mailReply = replies[0];
  const rcptReplies = replies.slice(1, 1 + plan.rcptLines.length);
  const dataReply = withData ? replies[1 + plan.rcptLines.length] : undefined;
  const dataAccepted = dataReply?.code === 354;
  if (!mailReply || !isPositive(mailReply)) {
    const error = mailReply
      ? replyError(mailReply, 'mail', 'The server refused the sender', 'EENVELOPE', plan.mailLine.trimEnd())
      : new SmtpError('EPROTOCOL', 'No reply to MAIL', { phase: 'mail' });
    return { ok: false, error, needsReset: false, dataAccepted };
  }
  const accepted: string[] = [];
  const rejected: RejectedRecipient[] = [];
  plan.rcptLines.forEach(({ address }, i) => {
    const reply = rcptReplies[i];
    if (reply && isPositive(reply)) accepted.push(address);
    else if (reply) {
      rejected.push({
        address,
        code: reply.code,
        ...(reply.enhancedCode !== undefined ? { enhancedCode: reply.enhancedCode } : {}),
        message: reply.message,
      });
    } else rejected.push({ address, code: 0, message: 'not attempted' });
  });
  if (accepted.length === 0) {
    const first = rcptReplies.find((r) => !isPositive(r));
    const error = first
      ? replyError(first, 'rcpt', `Every recipient was refused (${rejected.length})`, 'EENVELOPE').with({ rejected })
      : new SmtpError('EENVELOPE', 'Every recipient was refused', { phase: 'rcpt', transient: false, rejected });
    return { ok: false, error, needsReset: true, dataAccepted };
  }
  if (withData && !dataAccepted) {
    const error = dataReply
      ? replyError(dataReply, 'data', 'The server refused DATA', 'EMESSAGE')
      : new SmtpError('EPROTOCOL', 'No reply to DATA', { phase: 'data' });
    return { ok: false, error, needsReset: true, dataAccepted: false };
  }
  // An exact-size copy: the array push() built keeps room for 17 addresses, and the send's result keeps
  // `accepted` for as long as the caller keeps the result.
  return { ok: true, accepted: accepted.slice(), rejected };
}
