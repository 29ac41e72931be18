/**
 * signDkim: DKIM signatures for a message that is already RFC 5322 bytes (for sendRaw users).
 * A Buffer is hashed in place. A Readable is read once: spooled to a private temporary file while it is
 * hashed, then handed back as a stream of the signature fields and the file, which is removed when that
 * stream ends, fails or is destroyed. Memory stays the size of a chunk, whatever the message's size.
 */
import { Readable } from 'node:stream';
import { guardError } from '../errors.js';
import { MessageHasher, signatureFields } from './message-hasher.js';
import { resolveDkim, type DkimOptions, type DkimSigner } from './options.js';
import { createSpool, readWithHead } from './spool.js';

/** Keys are parsed and checked once per options object, not once per message. */
const resolved = new WeakMap<object, DkimSigner[]>();

export function dkimSigners(dkim: DkimOptions | DkimOptions[]): DkimSigner[] {
  if (typeof dkim !== 'object' || dkim === null) return resolveDkim(dkim);
  let signers = resolved.get(dkim);
  if (!signers) {
    signers = resolveDkim(dkim);
    resolved.set(dkim, signers);
  }
  return signers;
}

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
  const signers = dkimSigners(dkim);
  if (message instanceof Uint8Array) {
    const head = Buffer.from(signatureFields(message, signers), 'latin1');
    return Buffer.concat([head, message]);
  }
  if (!(message instanceof Readable)) throw guardError('signDkim: expected a Buffer or a Readable');
  return signStream(message, signers);
}

async function signStream(source: Readable, signers: readonly DkimSigner[]): Promise<Readable> {
  const spool = await createSpool();
  try {
    const hasher = new MessageHasher(signers);
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Uint8Array);
      hasher.push(bytes);
      await spool.write(bytes);
    }
    await spool.close();
    const out = readWithHead(Buffer.from(hasher.end(), 'latin1'), spool.path);
    // 'close' follows the end, an error and destroy() alike (autoDestroy), even if nothing was read.
    out.once('close', () => void spool.remove());
    return out;
  } catch (error) {
    source.destroy();
    await spool.remove();
    throw error;
  }
}
