/**
 * signDkim() as the package's entry point exports it: the signing code (canonicalization, hashing, the spool)
 * is loaded on the first call, not by every application that imports mailwire to send unsigned mail.
 */
import type { Readable } from 'node:stream';
import type { DkimOptions } from './options.js';

export function signDkim(message: Buffer | Uint8Array, dkim: DkimOptions | DkimOptions[]): Promise<Buffer>;
export function signDkim(message: Readable, dkim: DkimOptions | DkimOptions[]): Promise<Readable>;
/**
 * DKIM-signs a prepared message (RFC 6376; RSA or Ed25519): returns it with DKIM-Signature prepended. A stream comes back as a stream.
 *
 * @example
 * ```ts
 * const signed = await signDkim(raw, { domain: 'example.com', selector: 's1', privateKey: pem });
 * await transport.sendRaw({ from: 'a@example.com', to: ['b@example.org'] }, signed);
 * ```
 */
export async function signDkim(message: Buffer | Uint8Array | Readable, dkim: DkimOptions | DkimOptions[]): Promise<Buffer | Readable> {
  const { signDkim: sign } = await import('./sign-dkim.js');
  return sign(message as Buffer, dkim);
}
