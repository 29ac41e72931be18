/** Turning negative replies and channel failures into SmtpErrors with the contract's fields. */
import { SmtpError, type SmtpErrorCode, type SmtpPhase, type DeliveryState } from '../errors.js';
import { formatReply, isTransient, type Reply } from '../protocol/reply.js';

export function replyError(
  reply: Reply,
  phase: SmtpPhase,
  what: string,
  code: SmtpErrorCode,
  command?: string,
  delivery: DeliveryState = 'none',
): SmtpError {
  const response = formatReply(reply);
  // 421 answers whatever command was pending but means the server is closing the session (RFC 5321 3.8):
  // a connection failure, not a refusal of this sender, recipient, message or password.
  if (reply.code === 421) code = 'ECONNECTION';
  return new SmtpError(code, `${what}: ${oneLine(response)}`, {
    phase,
    replyCode: reply.code,
    ...(reply.enhancedCode !== undefined ? { enhancedCode: reply.enhancedCode } : {}),
    response,
    ...(command !== undefined ? { command } : {}),
    transient: isTransient(reply),
    delivery,
  });
}

/**
 * The channel does not know which phase a read belongs to, so its errors say 'connect'; the session knows
 * and restamps them. Errors that already carry a precise phase are kept as they are.
 */
export function rephase(error: SmtpError, phase: SmtpPhase, delivery?: DeliveryState): SmtpError {
  const samePhase = error.phase === phase || error.phase !== 'connect';
  if (samePhase && (delivery === undefined || delivery === error.delivery)) return error;
  return error.with({ phase: samePhase ? error.phase : phase, delivery: delivery ?? error.delivery });
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' | ');
  return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat;
}

/**
 * A reply of a class the command cannot get (protocol/reply-sequence.ts): EPROTOCOL, and the caller breaks
 * the session. Transient: another connection may well work. Delivery as the caller knows it.
 */
export function outOfSequenceError(reply: Reply, phase: SmtpPhase, what: string, delivery: DeliveryState = 'none'): SmtpError {
  const response = formatReply(reply);
  return new SmtpError('EPROTOCOL', `The server answered ${what} out of sequence: ${oneLine(response)}`, {
    phase,
    replyCode: reply.code,
    ...(reply.enhancedCode !== undefined ? { enhancedCode: reply.enhancedCode } : {}),
    response,
    transient: true,
    delivery,
  });
}
