/**
 * Message identifiers (Message-ID, In-Reply-To, References) and DSN options supplied by the caller.
 */

import { guardError } from '../errors.js';
import { findControl, printable } from './text.js';

/**
 * Validates one msg-id and returns it in angle brackets. Accepts "<left@right>" or "left@right"; the
 * inside must be printable ASCII without spaces or angle brackets (RFC 5322 msg-id, minus obsolete forms).
 */
export function normalizeMessageId(value: string, field: string): string {
  if (typeof value !== 'string') throw guardError(`${field}: expected a string`);
  if (findControl(value) !== -1) throw guardError(`${field}: control character is not allowed`);
  let inner = value.trim();
  if (inner.startsWith('<') && inner.endsWith('>')) inner = inner.slice(1, -1);
  if (inner.length === 0 || inner.length > 900) throw guardError(`${field}: invalid message id length`);
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 60 || c === 62 || c === 34 || c === 44 || c === 40 || c === 41) {
      throw guardError(`${field}: invalid message id "${printable(value)}"`);
    }
  }
  const at = inner.indexOf('@');
  if (at <= 0 || at === inner.length - 1 || inner.indexOf('@', at + 1) !== -1) {
    throw guardError(`${field}: message id "${printable(value)}" must look like <left@right>`);
  }
  return `<${inner}>`;
}

/** A list of msg-ids: an array, or a string of ids separated by white space. */
export function normalizeMessageIdList(value: string | readonly string[], field: string): string[] {
  if (typeof value === 'string') {
    return value.split(/[ \t]+/).filter((s) => s !== '').map((s) => normalizeMessageId(s, field));
  }
  if (!Array.isArray(value)) throw guardError(`${field}: expected a string or an array`);
  return value.map((s, i) => normalizeMessageId(s, `${field}[${i}]`));
}

/** A DSN NOTIFY keyword: NEVER, SUCCESS, FAILURE or DELAY. */
export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

/**
 * RFC 3461 delivery status notification request: the one shape both `MailMessage.dsn` and
 * `SmtpConnection.send(..., { dsn })` take.
 */
export interface DsnOptions {
  /** 'NEVER', or the events to report: an array, or one string of them separated by commas. */
  notify?: DsnNotify | DsnNotify[] | string | string[];
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  orcpt?: string;
}

/**
 * NOTIFY as the list of upper-case keywords the protocol layer writes (and checks): "success, failure"
 * and ['success', 'FAILURE'] both become ['SUCCESS', 'FAILURE'].
 */
export function dsnNotifyList(notify: NonNullable<DsnOptions['notify']>): string[] {
  return (Array.isArray(notify) ? notify : String(notify).split(',')).map((n) => String(n).trim().toUpperCase());
}

/** Checks DSN options (RFC 3461). Values are xtext-encoded later by the protocol layer. */
export function assertDsn(dsn: DsnOptions | undefined): void {
  if (dsn === undefined) return;
  if (typeof dsn !== 'object' || dsn === null) throw guardError('dsn: expected an object');
  if (dsn.notify !== undefined) {
    const list = dsnNotifyList(dsn.notify);
    for (const n of list) {
      if (!['NEVER', 'SUCCESS', 'FAILURE', 'DELAY'].includes(n)) throw guardError(`dsn.notify: unknown value "${printable(n)}"`);
    }
    if (list.includes('NEVER') && list.length > 1) throw guardError('dsn.notify: NEVER cannot be combined');
  }
  if (dsn.ret !== undefined && dsn.ret !== 'FULL' && dsn.ret !== 'HDRS') throw guardError('dsn.ret: must be FULL or HDRS');
  for (const key of ['envid', 'orcpt'] as const) {
    const v = dsn[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw guardError(`dsn.${key}: expected a string`);
    if (findControl(v) !== -1) throw guardError(`dsn.${key}: control character is not allowed`);
    if (v.length > 100 && key === 'envid') throw guardError('dsn.envid: longer than 100 characters');
    for (const ch of v) {
      if (ch.charCodeAt(0) > 126) throw guardError(`dsn.${key}: must be ASCII`);
    }
  }
}
