/**
 * Reads a raw message once, chunk by chunk, and produces its DKIM-Signature fields: the header is kept
 * (it is small and every signer needs its fields), the body only passes through the canonicalizers and
 * SHA-256, so its size does not matter. One body hash per body canonicalization, shared by the signers
 * that use it (dual RSA + Ed25519 signing hashes the body once).
 */
import { createHash, type Hash } from 'node:crypto';
import { guardError } from '../errors.js';
import { BodyCanonicalizer, type Canon } from './canonicalize.js';
import { findBodyStart, splitFields, type HeaderField } from './message-head.js';
import type { DkimSigner } from './options.js';
import { buildSignature } from './signature.js';

/** A header this large is not a mail header; refused rather than held. */
const MAX_HEADER_BYTES = 1024 * 1024;

export class MessageHasher {
  readonly #signers: readonly DkimSigner[];
  readonly #bodies = new Map<Canon, { canon: BodyCanonicalizer; hash: Hash }>();
  #head: Buffer[] = [];
  #headBytes = 0;
  #fields: HeaderField[] | undefined;

  constructor(signers: readonly DkimSigner[]) {
    this.#signers = signers;
    for (const s of signers) {
      if (this.#bodies.has(s.bodyCanon)) continue;
      const hash = createHash('sha256');
      this.#bodies.set(s.bodyCanon, { hash, canon: new BodyCanonicalizer(s.bodyCanon, (bytes) => hash.update(bytes)) });
    }
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#fields !== undefined) {
      this.#body(chunk);
      return;
    }
    this.#head.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.#headBytes += chunk.length;
    this.#tryHead(false);
  }

  /** All bytes were pushed: the signature fields, in the signers' order, each ending with CRLF. */
  end(now?: number): string {
    if (this.#fields === undefined) this.#tryHead(true);
    for (const body of this.#bodies.values()) body.canon.end();
    const fields = this.#fields ?? [];
    const digests = new Map<Canon, Buffer>();
    for (const [canon, body] of this.#bodies) digests.set(canon, body.hash.digest());
    return this.#signers
      .map((signer) => buildSignature(signer, { fields, bodyHash: digests.get(signer.bodyCanon) as Buffer, ...(now !== undefined ? { now } : {}) }))
      .join('');
  }

  #tryHead(final: boolean): void {
    const all = this.#head.length === 1 ? (this.#head[0] as Buffer) : Buffer.concat(this.#head, this.#headBytes);
    this.#head = [all];
    const start = findBodyStart(all, final);
    if (start === -1) {
      if (this.#headBytes > MAX_HEADER_BYTES) throw guardError(`DKIM: the message header is over ${MAX_HEADER_BYTES} bytes (no empty line ends it)`);
      return;
    }
    this.#fields = splitFields(all.subarray(0, start));
    this.#head = [];
    if (start < all.length) this.#body(all.subarray(start));
  }

  #body(chunk: Uint8Array): void {
    for (const body of this.#bodies.values()) body.canon.push(chunk);
  }
}

/** The DKIM-Signature fields for a message held whole in memory. */
export function signatureFields(message: Uint8Array, signers: readonly DkimSigner[], now?: number): string {
  const hasher = new MessageHasher(signers);
  hasher.push(message);
  return hasher.end(now);
}
