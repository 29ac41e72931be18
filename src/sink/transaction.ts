/**
 * The SMTP mail transaction as the sink sees it: MAIL, RCPT, and the checks that decide whether DATA or
 * BDAT may start. Pure state plus reply strings; the session owns sockets and bodies.
 */

import { checkMailParams, checkRcptParams, isNonAscii, parsePathArgument } from './envelope.js';
import type { MessageBody } from './message-body.js';
import type { SinkConfig } from './options.js';
import { R } from './replies.js';

export interface Transaction {
  from: string;
  mailParams: string[];
  smtputf8: boolean;
  to: string[];
  /** Set once DATA or the first BDAT starts. */
  transport: 'DATA' | 'BDAT' | null;
  body: MessageBody | null;
}

/** Who is asking, as far as MAIL cares. */
export interface SessionFacts {
  helo: string;
  secure: boolean;
  authUser: string | undefined;
}

/** Result of MAIL/RCPT/DATA/BDAT checks: the reply, and whether it is a protocol error (counted for limits). */
export interface Outcome {
  reply: string;
  protocolError?: boolean;
}

export function mail(
  arg: string,
  current: Transaction | null,
  facts: SessionFacts,
  cfg: SinkConfig,
): { outcome: Outcome; tx?: Transaction } {
  if (facts.helo === '') return { outcome: { reply: R.needHelo, protocolError: true } };
  if (cfg.requireTls && !facts.secure) return { outcome: { reply: R.needTls } };
  if (cfg.auth && facts.authUser === undefined) return { outcome: { reply: R.needAuth } };
  if (current) return { outcome: { reply: R.nestedMail, protocolError: true } };
  const path = parsePathArgument(arg, 'FROM');
  if (typeof path === 'string') return { outcome: { reply: path, protocolError: true } };
  const params = checkMailParams(path.params, cfg.maxMessageBytes);
  if (typeof params === 'string') return { outcome: { reply: params } };
  if (!params.smtputf8 && isNonAscii(path.address)) return { outcome: { reply: R.needSmtputf8 } };
  return { outcome: { reply: R.senderOk }, tx: open(path.address, path.params, params.smtputf8) };
}

/** MAIL may start a transaction now (the checks of mail() that do not depend on its argument). */
export function mayMail(current: Transaction | null, helo: string, secure: boolean, authUser: string | undefined, cfg: SinkConfig): boolean {
  return current === null && helo !== '' && !(cfg.requireTls && !secure) && !(cfg.auth && authUser === undefined);
}

/** A new transaction for an accepted MAIL. */
export function open(from: string, mailParams: string[], smtputf8: boolean): Transaction {
  return { from, mailParams, smtputf8, to: [], transport: null, body: null };
}

export function rcpt(arg: string, tx: Transaction | null, cfg: SinkConfig): Outcome {
  if (!tx) return { reply: R.needMail, protocolError: true };
  if (tx.transport !== null) return { reply: R.inTransaction, protocolError: true };
  const path = parsePathArgument(arg, 'TO');
  if (typeof path === 'string') return { reply: path, protocolError: true };
  const bad = checkRcptParams(path.params);
  if (bad !== null) return { reply: bad };
  if (!tx.smtputf8 && isNonAscii(path.address)) return { reply: R.needSmtputf8 };
  return addRecipient(tx, path.address, cfg);
}

/** RCPT may name a recipient now (the checks of rcpt() that come before its argument is read). */
export function mayRcpt(tx: Transaction | null): tx is Transaction {
  return tx !== null && tx.transport === null;
}

/** The last checks of RCPT for a well-formed address: the limit, refuseRecipients; then it is added. */
export function addRecipient(tx: Transaction, address: string, cfg: SinkConfig): Outcome {
  if (tx.to.length >= cfg.rcptLimit) return { reply: R.tooManyRecipients };
  if (cfg.refuseRecipients?.(address)) return { reply: R.recipientRefused };
  // The usual single recipient in an array of its size (a push onto [] reserves room for 17).
  if (tx.to.length === 0) tx.to = [address];
  else tx.to.push(address);
  return RECIPIENT_OK;
}

const RECIPIENT_OK: Outcome = Object.freeze({ reply: R.recipientOk });

/** Why DATA cannot start now, or null when it can. */
export function dataRefusal(arg: string, tx: Transaction | null): Outcome | null {
  if (arg !== '') return { reply: R.syntax, protocolError: true };
  if (!tx) return { reply: R.needMail, protocolError: true };
  if (tx.transport === 'BDAT') return { reply: R.bdatInProgress, protocolError: true };
  if (tx.to.length === 0) return { reply: R.noValidRecipients };
  return null;
}

const BDAT_ARGS = /^(\d{1,15})(?: +(LAST))? *$/i;

/** Parses `BDAT <size> [LAST]`; undefined when malformed (the byte count is then unknown). */
export function parseBdat(arg: string): { size: number; last: boolean } | undefined {
  const m = BDAT_ARGS.exec(arg);
  if (!m) return undefined;
  return { size: Number(m[1]), last: m[2] !== undefined };
}

/** Why a BDAT chunk will be refused once its bytes are read, or null when it is welcome. */
export function bdatRefusal(tx: Transaction | null): Outcome | null {
  if (!tx) return { reply: R.needMail, protocolError: true };
  if (tx.to.length === 0) return { reply: R.noValidRecipients };
  return null;
}
