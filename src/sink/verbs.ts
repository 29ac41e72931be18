/**
 * The SMTP verbs the sink knows, recognised from the bytes of a command line (ASCII letters in any case)
 * so that a command needs no decoding, slicing or upper-casing before it is dispatched. Only the verbs that
 * read their argument decode it.
 */

export const Verb = {
  Unknown: 0,
  Ehlo: 1,
  Helo: 2,
  Mail: 3,
  Rcpt: 4,
  Data: 5,
  Bdat: 6,
  Rset: 7,
  Noop: 8,
  Quit: 9,
  Vrfy: 10,
  Help: 11,
  Expn: 12,
  Turn: 13,
  Etrn: 14,
  Auth: 15,
  Starttls: 16,
} as const;
export type Verb = (typeof Verb)[keyof typeof Verb];

/** Length of each verb's name (index: Verb); the argument starts after it and one space. */
export const VERB_LENGTH: readonly number[] = [0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 8];

/** Four letters as one number, lower-cased (b | 0x20 equals a lower-case letter only for that letter). */
function key4(a: number, b: number, c: number, d: number): number {
  return (((a | 0x20) << 24) | ((b | 0x20) << 16) | ((c | 0x20) << 8) | (d | 0x20)) >>> 0;
}

const FOUR = new Map<number, Verb>();
for (const [name, verb] of [
  ['EHLO', Verb.Ehlo],
  ['HELO', Verb.Helo],
  ['MAIL', Verb.Mail],
  ['RCPT', Verb.Rcpt],
  ['DATA', Verb.Data],
  ['BDAT', Verb.Bdat],
  ['RSET', Verb.Rset],
  ['NOOP', Verb.Noop],
  ['QUIT', Verb.Quit],
  ['VRFY', Verb.Vrfy],
  ['HELP', Verb.Help],
  ['EXPN', Verb.Expn],
  ['TURN', Verb.Turn],
  ['ETRN', Verb.Etrn],
  ['AUTH', Verb.Auth],
] as const) {
  FOUR.set(key4(name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2), name.charCodeAt(3)), verb);
}
const STARTTLS = 'starttls';

/** The verb of line[start, end): the bytes up to the first space (or the end), matched without case. */
export function verbOf(line: Uint8Array, start: number, end: number): Verb {
  const length = end - start;
  if (length >= 4 && (length === 4 || line[start + 4] === 0x20)) {
    const key = key4(line[start] ?? 0, line[start + 1] ?? 0, line[start + 2] ?? 0, line[start + 3] ?? 0);
    return FOUR.get(key) ?? Verb.Unknown;
  }
  if (length >= 8 && (length === 8 || line[start + 8] === 0x20)) {
    for (let i = 0; i < 8; i++) if (((line[start + i] ?? 0) | 0x20) !== STARTTLS.charCodeAt(i)) return Verb.Unknown;
    return Verb.Starttls;
  }
  return Verb.Unknown;
}
