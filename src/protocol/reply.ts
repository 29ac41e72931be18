/**
 * An SMTP reply as a value, plus the small predicates a session needs to decide what happens next.
 *
 * The reply grammar (framing, limits) lives in reply-parser.ts; this file only knows what a finished reply
 * means. `expectClass` follows Go's textproto: the number of digits in the prefix says how much of the code
 * must match, so callers can write expectClass(r, 2), expectClass(r, 25) or expectClass(r, 354).
 */

export interface Reply {
  /** 200..599 */
  code: number;
  /** RFC 2034/3463 "x.y.z" from the first line, when present and of the same class as `code`. */
  enhancedCode?: string;
  /** Text of each line after "ddd-" / "ddd " (raw: an enhanced code is NOT stripped). */
  lines: string[];
  /** Lines joined with '\n', each with a leading enhanced code stripped. */
  message: string;
}

/**
 * The enhanced status code at the start of `text` (RFC 3463 section 2: class "." subject "." detail, one to
 * three digits each, then a space or the end of the line), if it has the class of `code` (first digit).
 * Scanned by hand: every reply goes through here, and a regex match allocates an array each time.
 */
export function leadingEnhancedCode(code: number, text: string): string | undefined {
  const cls = text.charCodeAt(0) - 48;
  if (text.charCodeAt(1) !== 46 || cls !== Math.floor(code / 100) || (cls !== 2 && cls !== 4 && cls !== 5)) return undefined;
  const subjectEnd = digitsEnd(text, 2);
  if (subjectEnd < 0 || text.charCodeAt(subjectEnd) !== 46) return undefined;
  const end = digitsEnd(text, subjectEnd + 1);
  if (end < 0 || (end < text.length && text.charCodeAt(end) !== 32)) return undefined;
  return end === text.length ? text : text.slice(0, end);
}

/** The index after one to three ASCII digits starting at `from`, or -1 when there is no digit there. */
function digitsEnd(text: string, from: number): number {
  let i = from;
  while (i < from + 3 && i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i += 1;
  }
  return i === from ? -1 : i;
}

/**
 * Builds a Reply from a code and its line texts, deriving `enhancedCode` and `message`.
 * Used by the parser; handy for tests and for scripted servers too.
 */
export function createReply(code: number, lines: readonly string[]): Reply {
  return replyOwning(code, lines.length === 0 ? [''] : lines.slice());
}

/** createReply for a parser that hands over a fresh array of at least one line (no copy). */
export function replyOwning(code: number, copy: string[]): Reply {
  const first = copy[0] ?? '';
  const enhancedCode = leadingEnhancedCode(code, first);
  let message = '';
  for (let i = 0; i < copy.length; i++) {
    const text = copy[i] ?? '';
    const ec = i === 0 ? enhancedCode : leadingEnhancedCode(code, text);
    // Strip "x.y.z" and the one space after it: that is the RFC 2034 layout.
    const stripped = ec === undefined ? text : text.slice(Math.min(text.length, ec.length + 1));
    message += i === 0 ? stripped : '\n' + stripped;
  }
  const reply: Reply = { code, lines: copy, message };
  if (enhancedCode !== undefined) reply.enhancedCode = enhancedCode;
  return reply;
}

/** 2xx: the requested action was completed. */
export function isPositive(r: Reply): boolean {
  return r.code >= 200 && r.code < 300;
}

/** 3xx: the server waits for more (354 after DATA, 334 during AUTH). */
export function isIntermediate(r: Reply): boolean {
  return r.code >= 300 && r.code < 400;
}

/** 4xx: failed now, may work later. */
export function isTransient(r: Reply): boolean {
  return r.code >= 400 && r.code < 500;
}

/** 5xx: failed, do not retry as-is. */
export function isPermanent(r: Reply): boolean {
  return r.code >= 500 && r.code < 600;
}

/**
 * Go textproto style: a 1-digit prefix matches the class, 2 digits the first two digits, 3 digits the code.
 * A prefix outside 1..999 never matches.
 */
export function expectClass(r: Reply, prefix: number): boolean {
  if (!Number.isInteger(prefix) || prefix < 1 || prefix > 999) return false;
  if (prefix < 10) return Math.floor(r.code / 100) === prefix;
  if (prefix < 100) return Math.floor(r.code / 10) === prefix;
  return r.code === prefix;
}

/** Back to wire-like text ("250-a\n250 b") for error messages and transcripts. */
export function formatReply(r: Reply): string {
  const lines = r.lines.length === 0 ? [''] : r.lines;
  const last = lines.length - 1;
  let out = '';
  for (let i = 0; i <= last; i++) {
    const text = lines[i] ?? '';
    const line = i < last ? `${r.code}-${text}` : text === '' ? String(r.code) : `${r.code} ${text}`;
    out += i === 0 ? line : '\n' + line;
  }
  return out;
}
