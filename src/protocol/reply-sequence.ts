/**
 * Replies of a class the command cannot get: the server is out of step with the client.
 *
 * RFC 5321 4.2.1 and 4.3.2 fix which classes each command may be answered with: DATA gets 354 (3xx) or a
 * refusal; MAIL, RCPT, RSET, NOOP, EHLO and the end of a message get 2xx or a refusal; 1xx is never sent.
 * A 250 to DATA or a 354 to MAIL is not a refusal but a violation: the reply may belong to another command,
 * so nothing later on that connection can be trusted to pair with what it seems to answer.
 */
import type { Reply } from './reply.js';

/** What the command waits for: a completion (2xx), or the server's go-ahead (3xx: 354 to DATA, 334 in AUTH). */
export type Awaiting = 'completion' | 'intermediate';

export function isOutOfSequence(reply: Reply, awaiting: Awaiting): boolean {
  const kind = Math.floor(reply.code / 100);
  if (kind === 4 || kind === 5) return false;
  return awaiting === 'completion' ? kind !== 2 : kind !== 3;
}
