/**
 * Size caps on user input. Every cap is configurable; the defaults are the ones in the contract.
 * A cap exists so that a bug or a hostile caller upstream cannot make us build or send something huge.
 */

import { SmtpError, guardError } from '../errors.js';

/** Size caps `compose()` applies to a message: the whole message, each body, subject, headers, recipients and attachments. */
export interface GuardLimits {
  /** Subject length in UTF-16 code units. Default 998 (one unfolded RFC 5322 line). */
  maxSubjectChars?: number;
  /** Bytes of `text` and of `html`, each, as UTF-8. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Number of custom headers. Default 50. */
  maxCustomHeaders?: number;
  /**
   * Bytes of the composed message (headers + every encoded part). Default 64 MiB: a guard against runaway
   * input, not a policy; the server's SIZE decides what it takes (ESIZE before MAIL). At 10 MiB it refused a
   * 12 MB attachment that a server advertising SIZE 20971520 would have taken.
   */
  maxMessageBytes?: number;
  /** Hard limit for one header line in octets. Default and maximum 998 (RFC 5322 section 2.1.1). */
  maxHeaderLineOctets?: number;
  /** Characters of one custom header value before encoding. Default 16,384. */
  maxHeaderValueChars?: number;
  /** Number of envelope recipients (to + cc + bcc after de-duplication). Default 1,000. */
  maxRecipients?: number;
  /** Number of attachments. Default 100. */
  maxAttachments?: number;
}

export type ResolvedLimits = Required<GuardLimits>;

export const DEFAULT_GUARD_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxSubjectChars: 998,
  maxBodyBytes: 10 * 1024 * 1024,
  maxCustomHeaders: 50,
  maxMessageBytes: 64 * 1024 * 1024,
  maxHeaderLineOctets: 998,
  maxHeaderValueChars: 16_384,
  maxRecipients: 1_000,
  maxAttachments: 100,
});

/** Resolved frozen inputs: a transport passes the same frozen limits with every message it composes. */
const resolvedFrozen = new WeakMap<GuardLimits, ResolvedLimits>();

/** Fills defaults and validates the numbers (ECONFIG: these come from configuration, not from a message). */
export function resolveLimits(limits: GuardLimits | undefined): ResolvedLimits {
  if (typeof limits === 'object' && limits !== null && Object.isFrozen(limits)) {
    let resolved = resolvedFrozen.get(limits);
    if (resolved === undefined) resolvedFrozen.set(limits, (resolved = Object.freeze(resolveFresh(limits))));
    return resolved;
  }
  return resolveFresh(limits);
}

function resolveFresh(limits: GuardLimits | undefined): ResolvedLimits {
  const out: ResolvedLimits = { ...DEFAULT_GUARD_LIMITS };
  if (limits === undefined) return out;
  for (const key of Object.keys(DEFAULT_GUARD_LIMITS) as Array<keyof ResolvedLimits>) {
    const value = limits[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new SmtpError('ECONFIG', `limits.${key}: expected a positive integer`);
    }
    out[key] = value;
  }
  // Lines longer than 998 octets are not mail any more; the cap can only be lowered (and not below 78,
  // or ordinary folded headers would not fit).
  if (out.maxHeaderLineOctets > 998 || out.maxHeaderLineOctets < 78) {
    throw new SmtpError('ECONFIG', 'limits.maxHeaderLineOctets: must be between 78 and 998');
  }
  return out;
}

export function assertSubject(subject: string, limits: ResolvedLimits): void {
  if (subject.length > limits.maxSubjectChars) {
    throw guardError(`subject: longer than ${limits.maxSubjectChars} characters`);
  }
}

export function assertBodySize(field: string, bytes: number, limits: ResolvedLimits): void {
  if (bytes > limits.maxBodyBytes) throw guardError(`${field}: larger than ${limits.maxBodyBytes} bytes`);
}

export function assertMessageSize(bytes: number, limits: ResolvedLimits): void {
  if (bytes > limits.maxMessageBytes) {
    throw guardError(`message: larger than maxMessageBytes (${limits.maxMessageBytes} bytes)`);
  }
}
