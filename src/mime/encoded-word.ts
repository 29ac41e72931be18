/**
 * RFC 2047 encoded-words for non-ASCII (or otherwise unsafe) header text, always UTF-8.
 *
 * The whole text is encoded with B or with Q, whichever gives fewer characters. Each word is at most 75
 * characters and holds whole UTF-8 characters only, so every word decodes on its own (RFC 2047 section
 * 5 requires that; many decoders depend on it). Words are returned separately and joined with a space:
 * white space between adjacent encoded-words is not part of the decoded text, and it is where the header
 * folder may break the line.
 *
 * Q uses the strict "phrase" alphabet (letters, digits, ! * + - /) so the same words are valid in a
 * Subject, in a display name, and inside a quoted parameter value.
 */

const MAX_WORD = 75;
const OVERHEAD = '=?UTF-8?Q??='.length; // 12, the same for B
const HEX = '0123456789ABCDEF';

function isQSafe(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
    b === 0x21 || b === 0x2a || b === 0x2b || b === 0x2d || b === 0x2f
  );
}

function qUnit(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x20) s += '_';
    else if (isQSafe(b)) s += String.fromCharCode(b);
    else s += `=${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return s;
}

/** Characters of `text` as UTF-8 byte groups (a character is one code point; never split). */
function characters(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const ch of text) out.push(Buffer.from(ch, 'utf8'));
  return out;
}

function packQ(chars: Buffer[], firstMax: number): string[] {
  const words: string[] = [];
  let cap = firstMax - OVERHEAD;
  let cur = '';
  for (const c of chars) {
    const u = qUnit(c);
    if (cur.length + u.length > cap && cur !== '') {
      words.push(`=?UTF-8?Q?${cur}?=`);
      cur = '';
      cap = MAX_WORD - OVERHEAD;
    }
    cur += u;
  }
  if (cur !== '') words.push(`=?UTF-8?Q?${cur}?=`);
  return words;
}

function packB(chars: Buffer[], firstMax: number): string[] {
  const words: string[] = [];
  let capBytes = Math.floor((firstMax - OVERHEAD) / 4) * 3;
  let cur: Buffer[] = [];
  let curLen = 0;
  for (const c of chars) {
    if (curLen + c.length > capBytes && curLen > 0) {
      words.push(`=?UTF-8?B?${Buffer.concat(cur, curLen).toString('base64')}?=`);
      cur = [];
      curLen = 0;
      capBytes = Math.floor((MAX_WORD - OVERHEAD) / 4) * 3;
    }
    cur.push(c);
    curLen += c.length;
  }
  if (curLen > 0) words.push(`=?UTF-8?B?${Buffer.concat(cur, curLen).toString('base64')}?=`);
  return words;
}

function total(words: string[]): number {
  let n = words.length - 1;
  for (const w of words) n += w.length;
  return n;
}

/**
 * Encodes `text` as encoded-words. `firstMax` (24..75) lets the first word fit on a header's first line.
 * Returns [] for the empty string.
 */
export function encodeWords(text: string, firstMax: number = MAX_WORD): string[] {
  if (text === '') return [];
  const first = Math.max(24, Math.min(MAX_WORD, firstMax));
  const chars = characters(text);
  const q = packQ(chars, first);
  const b = packB(chars, first);
  return total(b) < total(q) ? b : q;
}

/** True when text can go into a header as it is: printable ASCII, single spaces, no "=?" sequence. */
export function isPlainHeaderText(text: string): boolean {
  if (text.length === 0) return true;
  if (text.charCodeAt(0) === 0x20 || text.charCodeAt(text.length - 1) === 0x20) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
    if (c === 0x20 && text.charCodeAt(i + 1) === 0x20) return false;
    if (c === 0x3d && text.charCodeAt(i + 1) === 0x3f) return false; // "=?" would be read as an encoded-word
  }
  return true;
}
