/**
 * Address strings already parsed and checked, with what they came to: bulk and transactional mail repeat
 * the same From and often the same To, and parsing, checking every character and IDNA-converting them
 * again gives the same items. Keyed by the whole input string (so "a@x" and "A <a@x>" are different
 * entries), bounded, and holding only successes: anything refused is checked again, and refused again,
 * with the field name of the message at hand. The items are shared between messages and only ever read
(typed readonly; not frozen, which would give them a second object shape next to the uncached ones).
 */
import type { AddressItem } from './address.js';

interface Known {
  items: readonly AddressItem[];
  /** A local part is non-ASCII: only valid where SMTPUTF8 is allowed. */
  utf8: boolean;
}

const MAX_ENTRIES = 256;
const MAX_INPUT = 512;
const known = new Map<string, Known>();

/** What `input` came to, unless it was never seen, or needs SMTPUTF8 and `smtpUtf8` is off (then it is refused again by the full check). */
export function cachedItems(input: string, smtpUtf8: boolean): Known | undefined {
  const hit = known.get(input);
  return hit === undefined || (hit.utf8 && !smtpUtf8) ? undefined : hit;
}

export function keepItems(input: string, items: readonly AddressItem[], utf8: boolean): void {
  if (input.length > MAX_INPUT) return;
  // Full: start again rather than track use (a sender's few addresses are back in a message or two).
  if (known.size >= MAX_ENTRIES) known.clear();
  known.set(input, { items, utf8 });
}
