/**
 * LMTP's answer to the end of the message (RFC 2033 section 4.2): one reply per recipient that RCPT
 * accepted, in RCPT order, instead of SMTP's single reply. Each says whether THAT recipient got the
 * message, so the outcome is per recipient: some refused is a success that lists them; all refused is
 * EENVELOPE (nobody got it, delivery 'none').
 *
 * The reads are registered before the terminator is written, all of them: the channel pairs replies with
 * reads in order, so a next transaction written ahead (PIPELINING) cannot take one of these replies.
 */
import { SmtpError } from '../errors.js';
import { formatReply, isPositive, type Reply } from '../protocol/reply.js';
import type { ReplyChannel } from './reply-channel.js';
import type { RejectedRecipient } from './envelope-plan.js';
import { rephase, replyError } from './reply-errors.js';

export interface LmtpOutcome {
  accepted: string[];
  rejected: RejectedRecipient[];
  /** The first positive reply, as the result's response. */
  reply: Reply;
}

/** Registers one read per accepted recipient; call before writing the terminator. */
export function readLmtpReplies(channel: ReplyChannel, recipients: number, timeoutMs: number): Array<Promise<Reply>> {
  const reads: Array<Promise<Reply>> = [];
  for (let i = 0; i < recipients; i += 1) {
    const read = channel.read('data', timeoutMs);
    read.catch(() => undefined); // awaited in order below; this only marks it handled
    reads.push(read);
  }
  return reads;
}

/**
 * Pairs the replies with the recipients RCPT accepted. `refusedAtRcpt` are those RCPT already refused:
 * they lead the combined `rejected` list, then those refused after the message, each group in RCPT order.
 */
export async function collectLmtpReplies(
  reads: Array<Promise<Reply>>,
  recipients: string[],
  refusedAtRcpt: RejectedRecipient[],
): Promise<LmtpOutcome> {
  const accepted: string[] = [];
  const refused: RejectedRecipient[] = [];
  let first: Reply | undefined;
  let firstRefusal: Reply | undefined;
  for (const [i, read] of reads.entries()) {
    const address = recipients[i] ?? '';
    let reply: Reply;
    try {
      reply = await read;
    } catch (error) {
      // The message is out: recipients before this one have their answer, the rest may or may not have it.
      const failure = rephase(SmtpError.from(error, { code: 'ECONNECTION', phase: 'data' }), 'data', 'unknown');
      Object.defineProperty(failure, 'accepted', { value: accepted, enumerable: true });
      Object.defineProperty(failure, 'rejected', { value: [...refusedAtRcpt, ...refused], enumerable: true });
      throw failure;
    }
    if (isPositive(reply)) {
      accepted.push(address);
      first ??= reply;
    } else {
      firstRefusal ??= reply;
      refused.push({ address, code: reply.code, ...(reply.enhancedCode !== undefined ? { enhancedCode: reply.enhancedCode } : {}), message: reply.message });
    }
  }
  const rejected = [...refusedAtRcpt, ...refused];
  if (first === undefined) {
    const error = firstRefusal
      ? replyError(firstRefusal, 'data', `Every recipient was refused after the message (${rejected.length})`, 'EENVELOPE')
      : new SmtpError('EPROTOCOL', 'No LMTP reply after the message', { phase: 'data' });
    Object.defineProperty(error, 'rejected', { value: rejected, enumerable: true });
    throw error;
  }
  return { accepted, rejected, reply: first };
}

/** The one-line summary for SendResult.response: the first positive reply. */
export function lmtpResponse(outcome: LmtpOutcome): string {
  return formatReply(outcome.reply);
}
