/**
 * Bytes known to be CRLF-only and to end with CRLF: a composed message, which the composer builds line by
 * line with CRLF and so need not be scanned again for bare CR or LF before it is sent.
 *
 * Such bytes are written into slabs of memory that hold nothing else, and the slabs are what is
 * remembered (weakly): marking each message in a WeakSet cost about as much as the scan it saves, a slab is
 * marked once for dozens of messages. Only the composer's hand-over to a session allocates here, never
 * bytes a caller gets to keep and change, and never a caller's bytes for sendRaw (always normalised).
 */
const SLAB = 64 * 1024;
/** Larger messages get a memory block of their own (a slab is not held alive for one big message). */
const OWN_BLOCK = 8 * 1024;

const slabs = new WeakSet<ArrayBufferLike>();
let slab = Buffer.alloc(0);
let used = 0;

/** An uninitialised Buffer of `size` bytes, for the caller to fill completely with CRLF-only bytes ending in CRLF. */
export function allocCrlfOnly(size: number): Buffer {
  if (size > OWN_BLOCK) {
    const own = Buffer.allocUnsafeSlow(size);
    slabs.add(own.buffer);
    return own;
  }
  if (used + size > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB);
    slabs.add(slab.buffer);
    used = 0;
  }
  const out = slab.subarray(used, used + size);
  used = (used + size + 7) & ~7; // the next one starts aligned, as Node's own pool does
  return out;
}

/** True for bytes from allocCrlfOnly (that still end with CRLF, as a whole message there does). */
export function isMarkedCrlfOnly(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 2 && bytes[n - 2] === 0x0d && bytes[n - 1] === 0x0a && slabs.has(bytes.buffer);
}
