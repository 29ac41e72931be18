/**
 * Recognises a server refusing commands that were pipelined behind the end of a message.
 *
 * RFC 2920 lets the message content end a group, so a client may write the next MAIL right after the final
 * dot (or BDAT LAST). Some servers disagree and treat those commands as an early talker: they answer the
 * dot, then refuse each command that arrived before that answer, with "503 Bad sequence of commands" (the
 * wording varies: "pipelined after end of DATA", "Improper use of SMTP command pipelining", Postfix 3.9's
 * "554 5.5.0 Error: SMTP protocol synchronization"). The message behind was never taken: it can be sent
 * again, without writing ahead of the previous answer.
 *
 * Only called for the first reply of a group written behind an unanswered end of message; a plain
 * refusal of the sender gets the same answer again on the resend, so a false match costs one round trip.
 */
import type { Reply } from './reply.js';

const WORDING = /pipelin|synchroni[sz]ation|early talk|bad sequence|out of sequence/i;

export function isPipeliningRefusal(reply: Reply): boolean {
  if (reply.code === 503) return true;
  return reply.code >= 500 && reply.code < 600 && WORDING.test(reply.message);
}
