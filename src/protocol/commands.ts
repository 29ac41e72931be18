/**
 * SMTP commands as wire strings, each ending in CRLF.
 *
 * Every argument is validated here (see command-args.ts) so that nothing a caller passes can end a command
 * early, smuggle an ESMTP parameter, or start a second command. Encoders are pure and cheap: the session
 * calls them once per command and writes the result as-is.
 */

import { guardError } from '../errors.js';
import {
  checkAddress,
  checkBase64,
  checkDomain,
  checkOneOf,
  checkSize,
  checkText,
} from './command-args.js';
import { encodeXtext } from './xtext.js';

/** MAIL FROM parameters: SIZE, BODY, RET, ENVID, REQUIRETLS. */
export interface MailParams {
  /** RFC 1870 SIZE: the message size in bytes. */
  size?: number;
  /** RFC 6152 / 3030 BODY type. */
  body?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  /** RFC 6531 SMTPUTF8. */
  smtpUtf8?: boolean;
  /** RFC 3461 RET: return the full message or only its headers in a DSN. */
  ret?: 'FULL' | 'HDRS';
  /** RFC 3461 ENVID, raw; encoded as xtext here. At most 100 characters. */
  envid?: string;
  /** RFC 8689 REQUIRETLS. */
  requireTls?: boolean;
}

/** A DSN NOTIFY event for one recipient. */
export type NotifyEvent = 'SUCCESS' | 'FAILURE' | 'DELAY';

/** RCPT TO parameters: NOTIFY and ORCPT (RFC 3461). */
export interface RcptParams {
  /** RFC 3461 NOTIFY: 'NEVER', or a non-empty list of events. */
  notify?: 'NEVER' | NotifyEvent[];
  /** RFC 3461 ORCPT: the original recipient address, raw; sent as "rfc822;" + xtext. */
  orcpt?: string;
}

const CRLF = '\r\n';
const BODY_TYPES = ['7BIT', '8BITMIME', 'BINARYMIME'] as const;
const RET_TYPES = ['FULL', 'HDRS'] as const;
const NOTIFY_EVENTS = ['SUCCESS', 'FAILURE', 'DELAY'] as const;
// RFC 3461: ENVID at most 100 characters (4.4), the whole ORCPT parameter at most 500 (4.2); servers
// answer 501 past that, better to fail before the transaction starts.
const MAX_ENVID = 100;
const MAX_ORCPT = 500;

export function ehlo(domain: string): string {
  return `EHLO ${checkDomain('ehlo(domain)', domain)}${CRLF}`;
}

/** LMTP's greeting command (RFC 2033 section 4.1): EHLO's syntax and reply, another name. */
export function lhlo(domain: string): string {
  return `LHLO ${checkDomain('lhlo(domain)', domain)}${CRLF}`;
}

export function helo(domain: string): string {
  return `HELO ${checkDomain('helo(domain)', domain)}${CRLF}`;
}

/** "MAIL FROM:<a@b> SIZE=12 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=xx REQUIRETLS"; "" is the null sender <>. */
export function mailFrom(address: string, params: MailParams = {}): string {
  let line = `MAIL FROM:<${checkAddress('mailFrom(address)', address, true)}>`;
  if (typeof params !== 'object' || params === null) throw guardError('mailFrom(params) must be an object');
  if (params.size !== undefined) line += ` SIZE=${checkSize('mailFrom(params.size)', params.size)}`;
  if (params.body !== undefined) line += ` BODY=${checkOneOf('mailFrom(params.body)', params.body, BODY_TYPES)}`;
  if (params.smtpUtf8 === true) line += ' SMTPUTF8';
  if (params.ret !== undefined) line += ` RET=${checkOneOf('mailFrom(params.ret)', params.ret, RET_TYPES)}`;
  if (params.envid !== undefined) {
    const envid = checkText('mailFrom(params.envid)', params.envid);
    if (envid === '' || Buffer.byteLength(envid, 'utf8') > MAX_ENVID) {
      throw guardError(`mailFrom(params.envid) must be 1..${MAX_ENVID} bytes`);
    }
    line += ` ENVID=${encodeXtext(envid)}`;
  }
  if (params.requireTls === true) line += ' REQUIRETLS';
  return line + CRLF;
}

export function rcptTo(address: string, params: RcptParams = {}): string {
  let line = `RCPT TO:<${checkAddress('rcptTo(address)', address, false)}>`;
  if (typeof params !== 'object' || params === null) throw guardError('rcptTo(params) must be an object');
  if (params.notify !== undefined) line += ` NOTIFY=${notifyValue(params.notify)}`;
  if (params.orcpt !== undefined) {
    const orcpt = checkText('rcptTo(params.orcpt)', params.orcpt);
    const param = `ORCPT=rfc822;${encodeXtext(orcpt)}`;
    if (orcpt === '' || param.length > MAX_ORCPT) {
      throw guardError(`rcptTo(params.orcpt) must be non-empty and at most ${MAX_ORCPT} characters once encoded`);
    }
    line += ' ' + param;
  }
  return line + CRLF;
}

function notifyValue(notify: unknown): string {
  if (notify === 'NEVER') return 'NEVER';
  if (!Array.isArray(notify) || notify.length === 0) {
    throw guardError("rcptTo(params.notify) must be 'NEVER' or a non-empty list of SUCCESS, FAILURE, DELAY");
  }
  const seen: string[] = [];
  for (const item of notify as unknown[]) {
    if (item === 'NEVER') {
      // ['NEVER'] alone means NEVER; combined with anything else it is contradictory (RFC 3461 section 4.1).
      if (notify.length === 1) return 'NEVER';
      throw guardError('rcptTo(params.notify): NEVER cannot be combined with other values');
    }
    const event = checkOneOf('rcptTo(params.notify)', item, NOTIFY_EVENTS);
    if (!seen.includes(event)) seen.push(event);
  }
  return seen.join(',');
}

export function data(): string {
  return `DATA${CRLF}`;
}

/** RFC 3030: "BDAT <size>[ LAST]". */
export function bdat(size: number, last: boolean): string {
  return `BDAT ${checkSize('bdat(size)', size)}${last === true ? ' LAST' : ''}${CRLF}`;
}

export function rset(): string {
  return `RSET${CRLF}`;
}

export function noop(): string {
  return `NOOP${CRLF}`;
}

export function quit(): string {
  return `QUIT${CRLF}`;
}

export function startTls(): string {
  return `STARTTLS${CRLF}`;
}

/**
 * "AUTH <mechanism>[ <initial-response>]". An empty initial response is sent as "=" (RFC 4954 section 4),
 * which is different from sending none. The response is never quoted in errors: it carries credentials.
 */
export function auth(mechanism: string, initialResponseBase64?: string): string {
  const mech = checkText('auth(mechanism)', mechanism);
  // RFC 4422 section 3.1: 1-20 characters of upper-case letters, digits, '-' and '_'.
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(mech)) throw guardError('auth(mechanism) is not a valid SASL mechanism name');
  if (initialResponseBase64 === undefined) return `AUTH ${mech.toUpperCase()}${CRLF}`;
  const ir = checkBase64('auth(initialResponse)', initialResponseBase64);
  return `AUTH ${mech.toUpperCase()} ${ir === '' ? '=' : ir}${CRLF}`;
}

/** A line answering a 334 challenge: base64 (possibly empty), or "*" to cancel the exchange. */
export function authResponse(base64: string): string {
  if (base64 === '*') return `*${CRLF}`;
  return `${checkBase64('authResponse(base64)', base64)}${CRLF}`;
}

/**
 * An arbitrary command line, for extensions we do not model. Control characters other than TAB are
 * rejected; the line is not quoted in errors since callers may put anything in it.
 */
export function raw(line: string): string {
  const s = checkText('raw(line)', line, { allowTab: true, quote: false });
  if (s.trim() === '') throw guardError('raw(line) is empty');
  return s + CRLF;
}
