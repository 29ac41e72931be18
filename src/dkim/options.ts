/**
 * The `dkim` option: what the user writes, and its checked form with the key loaded. Every mistake is
 * ECONFIG when the transport is created (or when signDkim is called), before any connection: a key that
 * cannot sign would otherwise fail every message, or worse, send them unsigned.
 */
import { createPrivateKey, sign, KeyObject } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { SmtpError } from '../errors.js';
import type { Canon } from './canonicalize.js';

/** Header/body canonicalization: `relaxed/relaxed` (default), `simple/simple`, ... */
export type DkimCanonicalization = 'relaxed/relaxed' | 'relaxed/simple' | 'simple/simple' | 'simple/relaxed';

/** One DKIM signer: domain, selector and private key (RSA or Ed25519). See docs/dkim.md. */
export interface DkimOptions {
  /** The signing domain (d=): the From domain or a parent of it. */
  domain: string;
  /** The selector (s=): the key is published at SELECTOR._domainkey.DOMAIN. */
  selector: string;
  /** PEM (PKCS#8 or PKCS#1) or a KeyObject: RSA (1024 bits or more; 2048 recommended) or Ed25519. */
  privateKey: string | KeyObject;
  /** Header fields to sign, in h= order; repeat a name to sign more instances than exist (oversigning). Must include From. */
  headers?: string[];
  /** header/body canonicalization, default 'relaxed/relaxed'. */
  canonicalization?: DkimCanonicalization;
  /** Adds t= (now) and x= (now + this) to the signature. */
  expiresInSeconds?: number;
  /** Sign even when the From domain is neither `domain` nor under it (the signature cannot align for DMARC). */
  allowDomainMismatch?: boolean;
}

export interface DkimSigner {
  domain: string;
  selector: string;
  key: KeyObject;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  headerCanon: Canon;
  bodyCanon: Canon;
  /** Lower-cased names, or undefined for the default choice (see signature.ts). */
  headers: string[] | undefined;
  expiresInSeconds: number | undefined;
  allowDomainMismatch: boolean;
}

const CANONS: readonly DkimCanonicalization[] = ['relaxed/relaxed', 'relaxed/simple', 'simple/simple', 'simple/relaxed'];
const LABELS = /^(?!-)[a-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$/;
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

export function resolveDkim(input: DkimOptions | DkimOptions[]): DkimSigner[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw dkimConfigError('dkim: give at least one signer (or leave dkim out)');
  const signers = list.map((one, i) => resolveOne(one, list.length > 1 ? `dkim[${i}]` : 'dkim'));
  const seen = new Set<string>();
  for (const s of signers) {
    const id = `${s.selector}._domainkey.${s.domain}`;
    if (seen.has(id)) throw dkimConfigError(`dkim: two signers use ${id}; each key needs its own selector`);
    seen.add(id);
  }
  return signers;
}

function resolveOne(input: DkimOptions, at: string): DkimSigner {
  if (typeof input !== 'object' || input === null) throw dkimConfigError(`${at}: expected an object`);
  const domain = dnsName(input.domain, `${at}.domain`);
  const selector = dnsName(input.selector, `${at}.selector`);
  const key = loadKey(input.privateKey, at);
  const canonicalization = input.canonicalization ?? 'relaxed/relaxed';
  if (!CANONS.includes(canonicalization)) throw dkimConfigError(`${at}.canonicalization: expected one of ${CANONS.join(', ')}`);
  const [headerCanon, bodyCanon] = canonicalization.split('/') as [Canon, Canon];
  let headers: string[] | undefined;
  if (input.headers !== undefined) {
    if (!Array.isArray(input.headers) || input.headers.length === 0) throw dkimConfigError(`${at}.headers: expected a non-empty array of header names`);
    headers = input.headers.map((h) => {
      if (typeof h !== 'string' || !FIELD_NAME.test(h)) throw dkimConfigError(`${at}.headers: "${String(h).replace(/[^\x20-\x7e]/g, '?')}" is not a header field name`);
      return h.toLowerCase();
    });
    // RFC 6376 5.4: From MUST be signed.
    if (!headers.includes('from')) throw dkimConfigError(`${at}.headers: must include From (RFC 6376 5.4)`);
    if (headers.includes('dkim-signature')) throw dkimConfigError(`${at}.headers: DKIM-Signature is added by the signer and cannot be listed`);
  }
  const expires = input.expiresInSeconds;
  if (expires !== undefined && (!Number.isInteger(expires) || expires < 1)) throw dkimConfigError(`${at}.expiresInSeconds: expected a whole number of seconds >= 1`);
  const algorithm = key.asymmetricKeyType === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
  return { domain, selector, key, algorithm, headerCanon, bodyCanon, headers, expiresInSeconds: expires, allowDomainMismatch: input.allowDomainMismatch === true };
}

function dnsName(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '') throw dkimConfigError(`${at}: expected a domain name`);
  if (/[\x00-\x20\x7f;=]/.test(value)) throw dkimConfigError(`${at}: contains spaces, control characters, ';' or '='`);
  // A non-ASCII domain is published (and compared) in its A-label form.
  const ascii = domainToASCII(value.replace(/\.$/, '')).toLowerCase();
  if (ascii === '' || ascii.length > 253 || !LABELS.test(ascii)) throw dkimConfigError(`${at}: "${value}" is not a domain name`);
  return ascii;
}

/** The private key, checked by signing a few bytes with it: what cannot sign here could not sign a message. */
function loadKey(value: unknown, at: string): KeyObject {
  let key: KeyObject;
  if (value instanceof KeyObject) key = value;
  else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      key = createPrivateKey(value);
    } catch {
      // The library's message is not repeated: it can quote parts of the key text.
      throw dkimConfigError(`${at}.privateKey: not a private key in PEM form (PKCS#8 "BEGIN PRIVATE KEY" or PKCS#1 "BEGIN RSA PRIVATE KEY")`);
    }
  } else throw dkimConfigError(`${at}.privateKey: expected a PEM string or a KeyObject`);
  if (key.type !== 'private') throw dkimConfigError(`${at}.privateKey: this is a ${key.type} key; signing needs the private key`);
  const kind = key.asymmetricKeyType;
  if (kind !== 'rsa' && kind !== 'ed25519') {
    throw dkimConfigError(`${at}.privateKey: a ${kind ?? 'unknown'} key; DKIM signs with RSA (rsa-sha256) or Ed25519 (ed25519-sha256)`);
  }
  if (kind === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    // RFC 8301: verifiers must not accept RSA keys under 1024 bits, so such a signature only ever fails.
    if (bits < 1024) throw dkimConfigError(`${at}.privateKey: an RSA key of ${bits} bits; DKIM needs at least 1024 (2048 recommended, RFC 8301)`);
  }
  try {
    sign(kind === 'rsa' ? 'sha256' : null, Buffer.from('mailwire dkim key check'), key);
  } catch {
    throw dkimConfigError(`${at}.privateKey: the key cannot sign`);
  }
  return key;
}

export function dkimConfigError(message: string): SmtpError {
  return new SmtpError('ECONFIG', `Invalid DKIM configuration: ${message}`, { phase: 'config', transient: false });
}
