/**
 * SASLprep (RFC 4013, a stringprep profile, RFC 3454) for SCRAM user names and passwords.
 *
 * SCRAM hashes the password, so client and server must turn "the same" password into the same bytes:
 * SASLprep is that agreement. Implemented:
 *   - mapping: "commonly mapped to nothing" (table B.1) removed, then non-ASCII spaces (C.1.2) -> U+0020;
 *   - normalisation: Unicode NFKC;
 *   - prohibited output: tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9 rejected;
 *   - unassigned code points are allowed (RFC 5802 treats SCRAM input as a "query" string).
 * Not implemented, knowingly:
 *   - the bidirectional-text check (RFC 3454 section 6): it needs the Unicode bidi class of every code point,
 *     which JavaScript regular expressions do not expose and which would mean shipping large tables. A string
 *     the check would have rejected is sent as is; the worst outcome is that the server computes a different
 *     key and refuses the login, not a security problem for the client;
 *   - pinning Unicode 3.2: String.prototype.normalize uses the engine's (newer) Unicode version, which differs
 *     from 3.2 only for characters unassigned in 3.2.
 */

// B.1: characters that are simply removed.
const MAPPED_TO_NOTHING = new Set([
  0x00ad, 0x034f, 0x1806, 0x180b, 0x180c, 0x180d, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff,
  0xfe00, 0xfe01, 0xfe02, 0xfe03, 0xfe04, 0xfe05, 0xfe06, 0xfe07,
  0xfe08, 0xfe09, 0xfe0a, 0xfe0b, 0xfe0c, 0xfe0d, 0xfe0e, 0xfe0f,
]);

// C.1.2: non-ASCII space characters (mapped to SPACE, and prohibited in the output).
function isNonAsciiSpace(cp: number): boolean {
  return (
    cp === 0x00a0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200b) || cp === 0x202f || cp === 0x205f ||
    cp === 0x3000
  );
}

type Range = readonly [number, number];

/** Prohibited output, by table, so the error can say which kind of character was found. */
const PROHIBITED: ReadonlyArray<readonly [string, readonly Range[]]> = [
  ['an ASCII control character', [[0x0000, 0x001f], [0x007f, 0x007f]]], // C.2.1
  [
    'a non-ASCII control character', // C.2.2
    [
      [0x0080, 0x009f], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x180e, 0x180e], [0x200c, 0x200d],
      [0x2028, 0x2029], [0x2060, 0x2063], [0x206a, 0x206f], [0xfeff, 0xfeff], [0xfff9, 0xfffc],
      [0x1d173, 0x1d17a],
    ],
  ],
  ['a private-use character', [[0xe000, 0xf8ff], [0xf0000, 0xffffd], [0x100000, 0x10fffd]]], // C.3
  ['a non-character code point', [[0xfdd0, 0xfdef]]], // C.4 (the xFFFE/xFFFF ones are checked below)
  ['an unpaired surrogate', [[0xd800, 0xdfff]]], // C.5
  ['a character inappropriate for plain text', [[0xfff9, 0xfffd]]], // C.6
  ['an ideographic description character', [[0x2ff0, 0x2ffb]]], // C.7
  ['a display-changing or deprecated character', [[0x0340, 0x0341], [0x200e, 0x200f], [0x202a, 0x202e]]], // C.8
  ['a tagging character', [[0xe0001, 0xe0001], [0xe0020, 0xe007f]]], // C.9
];

export type SaslprepResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: string; readonly codePoint: number };

/**
 * Prepare `input`. Returns a result rather than throwing so the caller can word the error for a user name
 * (where quoting the offending code point helps) or a password (where it would leak part of the secret).
 */
export function saslprep(input: string): SaslprepResult {
  let mapped = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0) ?? 0;
    if (MAPPED_TO_NOTHING.has(cp)) continue;
    mapped += isNonAsciiSpace(cp) ? ' ' : ch;
  }
  const normalized = mapped.normalize('NFKC');
  for (const ch of normalized) {
    const cp = ch.codePointAt(0) ?? 0;
    const reason = prohibitedReason(cp);
    if (reason !== undefined) return { ok: false, reason, codePoint: cp };
  }
  return { ok: true, value: normalized };
}

function prohibitedReason(cp: number): string | undefined {
  if (isNonAsciiSpace(cp)) return 'a non-ASCII space'; // C.1.2: only reachable through NFKC output
  if ((cp & 0xfffe) === 0xfffe) return 'a non-character code point'; // C.4: U+xxFFFE and U+xxFFFF
  for (const [reason, ranges] of PROHIBITED) {
    for (const [lo, hi] of ranges) if (cp >= lo && cp <= hi) return reason;
  }
  return undefined;
}
