/**
 * Header folding (RFC 5322 section 2.2.3): lines SHOULD be at most 78 characters and MUST be at most 998
 * octets, excluding CRLF. Folding inserts CRLF before an existing space or tab, so unfolding (deleting
 * the CRLFs) restores the value exactly.
 *
 * Greedy and linear: we remember the last place a fold is allowed and break there when the line gets too
 * long. A fold is never placed where it would leave a line of white space only, nor inside the field name.
 */

import { guardError } from '../errors.js';

export const SOFT_LINE = 78;
export const HARD_LINE = 998;

/** True when every character of a short string is ASCII: a loop, cheaper than a regex for a few dozen characters. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function utf8Width(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 2; // each half of a surrogate pair: 4 octets per pair
  return 3;
}

/**
 * Folds "Name: value". Returns the header without the final CRLF. Throws EGUARD if some run without
 * white space cannot fit in `hard` octets (the composer encodes values so that this does not happen).
 */
export function foldHeader(name: string, value: string, hard: number = HARD_LINE): string {
  // Most header lines fit as they are: 78 characters of ASCII are 78 octets, nothing to fold. The parts are
  // tested, not the joined line: testing that would first flatten it, a copy per header of every message.
  if (name.length + 2 + value.length <= SOFT_LINE && isAscii(value) && isAscii(name)) return `${name}: ${value}`;
  const line = `${name}: ${value}`;
  const minBreak = name.length + 2; // never fold between the name and the first word of the value
  let out = '';
  let start = 0;
  let width = 0; // octets from start to i (inclusive)
  let candidate = -1; // index of a space/tab we may fold before
  let widthAtCandidate = 0; // octets from start to candidate (exclusive)
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c === 0x20 || c === 0x09) && i > minBreak && i > start) {
      const prev = line.charCodeAt(i - 1);
      if (prev !== 0x20 && prev !== 0x09) {
        candidate = i;
        widthAtCandidate = width;
      }
    }
    width += utf8Width(c);
    if (width > SOFT_LINE && candidate > start) {
      out += line.slice(start, candidate) + '\r\n';
      start = candidate;
      width -= widthAtCandidate;
      candidate = -1;
    }
    if (width > hard) throw guardError(`header ${name}: a line cannot be folded under ${hard} octets`);
  }
  return out + line.slice(start);
}
