/**
 * Builds one DKIM-Signature field (RFC 6376 section 3.5, RFC 8463) from the message's header fields and
 * its body hash. Pure apart from the clock (t=, x=) and the private-key operation.
 */
import { createHash, sign } from 'node:crypto';
import { guardError } from '../errors.js';
import { canonicalizeHeader, type Canon } from './canonicalize.js';
import { fromDomain, type HeaderField } from './message-head.js';
import type { DkimSigner } from './options.js';

/**
 * Signed when present (RFC 6376 5.4.1's list, plus the MIME and List-* fields that change how a message
 * reads). Trace fields (Received, Return-Path) are left out: relays add them.
 */
export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  'from', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'to', 'cc',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-id', 'content-description',
  'resent-date', 'resent-from', 'resent-sender', 'resent-to', 'resent-cc', 'resent-message-id',
  'in-reply-to', 'references',
  'list-id', 'list-help', 'list-unsubscribe', 'list-unsubscribe-post', 'list-subscribe', 'list-post', 'list-owner', 'list-archive',
];

/**
 * Listed once more than they occur, present or not (oversigning): a verifier then counts a field added
 * after signing, so nobody can append a second From or Subject, or a Reply-To that sends answers elsewhere,
 * and keep the signature. These are the fields a reader sees and acts on; a relay has no business adding
 * them. Not Date or Message-ID (nobody is fooled by a second one) nor List-* (lists add their own, and
 * then the signature should survive if the list changed nothing else).
 */
export const OVERSIGNED_HEADERS: readonly string[] = ['from', 'to', 'cc', 'subject', 'reply-to', 'sender'];

/** The h= list for a message: the signer's own list, or the default choice described above. */
export function chooseHeaders(fields: readonly HeaderField[], chosen: readonly string[] | undefined): string[] {
  if (chosen !== undefined) return [...chosen];
  const counts = new Map<string, number>();
  for (const f of fields) counts.set(f.key, (counts.get(f.key) ?? 0) + 1);
  const names: string[] = [];
  for (const name of DEFAULT_SIGNED_HEADERS) {
    const n = (counts.get(name) ?? 0) + (OVERSIGNED_HEADERS.includes(name) ? 1 : 0);
    for (let i = 0; i < n; i++) names.push(name);
  }
  return names;
}

/**
 * The header fields h= names, in h= order, canonicalized: each name takes the last instance not yet
 * taken (5.4.2); a name with no instance left contributes nothing.
 */
export function signedHeaderData(fields: readonly HeaderField[], names: readonly string[], canon: Canon): string {
  const used = new Set<HeaderField>();
  let data = '';
  for (const name of names) {
    for (let i = fields.length - 1; i >= 0; i--) {
      const f = fields[i] as HeaderField;
      if (f.key === name && !used.has(f)) {
        used.add(f);
        data += canonicalizeHeader(f.raw, canon);
        break;
      }
    }
  }
  return data;
}

/** Under 78 columns, as RFC 5322 asks (2.1.1), with room to spare. */
const WIDTH = 76;

/** Lays out tags on folded lines: a tag moves to a new line when it would pass WIDTH. */
class Folder {
  readonly lines: string[] = ['DKIM-Signature:'];
  add(text: string, glue = ' '): void {
    const last = this.lines.length - 1;
    const line = this.lines[last] as string;
    if (line.length + glue.length + text.length <= WIDTH) this.lines[last] = line + glue + text;
    else this.lines.push(` ${text}`);
  }
  newLine(text: string): void {
    this.lines.push(` ${text}`);
  }
  text(): string {
    return this.lines.join('\r\n');
  }
}

export interface SignInput {
  fields: readonly HeaderField[];
  bodyHash: Buffer;
  /** Seconds since the epoch (t=), defaults to now. */
  now?: number;
}

/** The DKIM-Signature field for one signer, final CRLF included. Refuses a From the domain does not cover. */
export function buildSignature(signer: DkimSigner, input: SignInput): string {
  const { fields } = input;
  const domain = fromDomain(fields);
  if (domain === undefined) throw guardError('DKIM: the message has no From address to sign for');
  if (!signer.allowDomainMismatch && domain !== signer.domain && !domain.endsWith(`.${signer.domain}`)) {
    throw guardError(
      `DKIM: the signing domain "${signer.domain}" is neither the From domain "${domain}" nor a parent of it, so the ` +
        `signature cannot align for DMARC: sign with domain "${domain}" (or a parent of it), or set allowDomainMismatch: true`,
    );
  }
  const names = chooseHeaders(fields, signer.headers);
  const f = new Folder();
  for (const tag of ['v=1;', `a=${signer.algorithm};`, `c=${signer.headerCanon}/${signer.bodyCanon};`, `d=${signer.domain};`, `s=${signer.selector};`]) f.add(tag);
  if (signer.expiresInSeconds !== undefined) {
    const now = input.now ?? Math.floor(Date.now() / 1000);
    f.add(`t=${now};`);
    f.add(`x=${now + signer.expiresInSeconds};`);
  }
  f.newLine('h=');
  names.forEach((name, i) => f.add(`${name}${i === names.length - 1 ? ';' : ':'}`, ''));
  f.newLine(`bh=${input.bodyHash.toString('base64')};`);
  f.newLine('b=');
  const unsigned = f.text();
  const data = signedHeaderData(fields, names, signer.headerCanon) + canonicalizeHeader(`${unsigned}\r\n`, signer.headerCanon).slice(0, -2);
  const b = signData(signer, Buffer.from(data, 'latin1')).toString('base64');
  return `${unsigned}${foldBase64(b, WIDTH - 3)}\r\n`;
}

/** The signature over the canonical header data: RSASSA-PKCS1-v1_5 with SHA-256, or Ed25519 over its SHA-256 (RFC 8463 3). */
export function signData(signer: Pick<DkimSigner, 'algorithm' | 'key'>, data: Buffer): Buffer {
  if (signer.algorithm === 'rsa-sha256') return sign('sha256', data, signer.key);
  return sign(null, createHash('sha256').update(data).digest(), signer.key);
}

/** The b= value folded: the first piece after " b=", then whole lines of `width` characters. */
function foldBase64(b: string, firstWidth: number): string {
  const pieces = [b.slice(0, firstWidth)];
  for (let i = firstWidth; i < b.length; i += WIDTH - 1) pieces.push(b.slice(i, i + WIDTH - 1));
  return pieces.join('\r\n ');
}
