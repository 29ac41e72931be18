/**
 * Bytes known to be CRLF-only and to end with CRLF (or to be empty): a composed message, which the
 * composer builds line by line with CRLF and so need not be scanned again for bare CR or LF before it is
 * sent. Only the composer's own hand-over marks bytes (never bytes a caller gives sendRaw, which are
 * always normalised); the set is weak, so a marked Buffer goes when the send is done with it.
 */
const known = new WeakSet<Uint8Array>();

export function markCrlfOnly<T extends Uint8Array>(bytes: T): T {
  known.add(bytes);
  return bytes;
}

export function isMarkedCrlfOnly(bytes: Uint8Array): boolean {
  return known.has(bytes);
}
