/**
 * RFC 5322 address lists: parse what people type (`"Doe, John" <j@x.com>, Team: a@x.com, b@x.com;`) and
 * format mailboxes for headers.
 *
 * The parser is a hand-written single pass: a tokenizer that only moves forward (quoted strings,
 * comments with a nesting counter, angle addresses, words, specials) feeding a small state machine. No
 * regular expressions, no recursion, no backtracking, so time and stack are linear in the input whatever
 * it contains (address parsers in other mail libraries have had ReDoS and stack-exhaustion CVEs).
 *
 * It is strict where leniency could split or merge addresses: a display name with a comma must be quoted
 * to stay one name, two angle addresses in one entry are refused, and a bare entry must be a single
 * addr-spec (`John a@b` is refused: write `John <a@b>`).
 */

import { guardError } from '../errors.js';
import { encodeWords } from './encoded-word.js';
import { quoteString } from './rfc2231.js';

export interface Mailbox {
  name: string;
  address: string;
}

export type AddressItem = { kind: 'mailbox'; name: string; address: string } | { kind: 'group'; name: string; members: Mailbox[] };

type TokenKind = 'word' | 'quoted' | 'comment' | 'angle' | ',' | ';' | ':';
interface Token {
  kind: TokenKind;
  value: string;
  space: boolean; // white space came before this token
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Reads a quoted string or comment body starting after its opening char; returns [value, next index]. */
function readDelimited(input: string, from: number, open: number, close: number): [string, number] {
  let depth = 1;
  let value = '';
  let i = from;
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (c === 0x5c /* \ */ && i + 1 < input.length) {
      value += input[i + 1];
      i += 2;
      continue;
    }
    if (c === close) {
      depth--;
      if (depth === 0) return [value, i + 1];
    } else if (c === open && open !== close) {
      depth++; // nested comment: a counter, not recursion
    }
    value += input[i];
    i++;
  }
  return [value, i]; // unterminated: the rest of the input
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let space = false;
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (isSpace(c)) {
      space = true;
      i++;
      continue;
    }
    let token: Token;
    if (c === 0x22 /* " */) {
      const [value, next] = readDelimited(input, i + 1, 0x22, 0x22);
      token = { kind: 'quoted', value, space };
      i = next;
    } else if (c === 0x28 /* ( */) {
      const [value, next] = readDelimited(input, i + 1, 0x28, 0x29);
      token = { kind: 'comment', value, space };
      i = next;
    } else if (c === 0x3c /* < */) {
      const end = input.indexOf('>', i + 1);
      const stop = end === -1 ? input.length : end;
      token = { kind: 'angle', value: input.slice(i + 1, stop).trim(), space };
      i = stop + 1;
    } else if (c === 0x2c || c === 0x3b || c === 0x3a) {
      token = { kind: input[i] as ',' | ';' | ':', value: input[i] as string, space };
      i++;
    } else {
      let j = i;
      while (j < input.length) {
        const d = input.charCodeAt(j);
        if (isSpace(d) || d === 0x22 || d === 0x28 || d === 0x3c || d === 0x2c || d === 0x3b || d === 0x3a) break;
        if (d === 0x5b /* [ */) {
          // Domain literal: may hold ":" (IPv6); read through "]".
          const end = input.indexOf(']', j + 1);
          j = end === -1 ? input.length : end + 1;
          continue;
        }
        j++;
      }
      token = { kind: 'word', value: input.slice(i, j), space };
      i = j;
    }
    tokens.push(token);
    space = false;
  }
  return tokens;
}

// A quoted local part that is really a plain atom ("john"@x) is unquoted; anything else keeps its quotes
// (and the address guard then refuses it).
function isDotAtom(s: string): boolean {
  if (s.length === 0 || s.startsWith('.') || s.endsWith('.') || s.includes('..')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || '()<>[]:;@\\,"'.includes(s[i] as string)) return false;
  }
  return true;
}

interface Entry {
  words: Token[];
  comments: string[];
  angle: string | undefined;
}

function finish(entry: Entry): Mailbox | undefined {
  const { words, comments, angle } = entry;
  if (words.length === 0 && angle === undefined) return undefined;
  if (angle !== undefined) {
    let name = '';
    for (const w of words) name += name !== '' && w.space ? ` ${w.value}` : w.value;
    if (name === '' && comments.length > 0) name = comments.join(' ');
    return { name, address: angle };
  }
  let address = '';
  for (const [i, w] of words.entries()) {
    if (i > 0 && w.space) {
      throw guardError(`address "${words.map((t) => t.value).join(' ').slice(0, 64)}": write a display name as Name <address>`);
    }
    address += w.kind === 'quoted' ? (isDotAtom(w.value) ? w.value : quoteString(w.value)) : w.value;
  }
  return { name: comments.join(' '), address };
}

/** Parses an address list, keeping groups. Throws EGUARD for an ambiguous entry. */
export function parseAddressItems(input: string): AddressItem[] {
  const items: AddressItem[] = [];
  let group: { name: string; members: Mailbox[] } | undefined;
  let entry: Entry = { words: [], comments: [], angle: undefined };
  const flush = (): void => {
    const box = finish(entry);
    entry = { words: [], comments: [], angle: undefined };
    if (box === undefined) return;
    if (group !== undefined) group.members.push(box);
    else items.push({ kind: 'mailbox', name: box.name, address: box.address });
  };
  for (const t of tokenize(input)) {
    switch (t.kind) {
      case 'word':
      case 'quoted':
        // Nothing but a comment may follow <address> in its entry: "<b@x> ORCPT=rfc822;c@y" would otherwise
        // drop the junk silently (or read it as a display name), and a library that refuses CR/LF refuses
        // trailing garbage too.
        if (entry.angle !== undefined) {
          throw guardError(`unexpected text "${t.value.slice(0, 64)}" after <${entry.angle.slice(0, 64)}>`);
        }
        entry.words.push(t);
        break;
      case 'comment':
        entry.comments.push(t.value.trim());
        break;
      case 'angle':
        if (entry.angle !== undefined) throw guardError(`two addresses in one entry: <${entry.angle.slice(0, 64)}> and <${t.value.slice(0, 64)}>`);
        entry.angle = t.value;
        break;
      case ',':
        flush();
        break;
      case ':': {
        if (group !== undefined) throw guardError('nested address groups are not allowed');
        if (entry.angle !== undefined) throw guardError('unexpected ":" in an address');
        // "@relay:user@host" is an RFC 5321 source route, not a group name: refused, never silently dropped
        // (a group's display name is a phrase, which cannot hold an "@").
        if (entry.words.some((w) => w.kind === 'word' && w.value.includes('@'))) {
          throw guardError(`source routes are not allowed ("${entry.words.map((w) => w.value).join(' ').slice(0, 64)}:...")`);
        }
        let name = '';
        for (const w of entry.words) name += name !== '' && w.space ? ` ${w.value}` : w.value;
        group = { name, members: [] };
        entry = { words: [], comments: [], angle: undefined };
        break;
      }
      case ';':
        flush();
        if (group !== undefined) {
          items.push({ kind: 'group', name: group.name, members: group.members });
          group = undefined;
        }
        break;
    }
  }
  flush();
  if (group !== undefined) items.push({ kind: 'group', name: group.name, members: group.members }); // missing ";"
  return items;
}

/** Parses an address list into mailboxes; group members are listed, group names dropped. */
export function parseAddressList(input: string): Mailbox[] {
  const out: Mailbox[] = [];
  for (const item of parseAddressItems(input)) {
    if (item.kind === 'mailbox') out.push({ name: item.name, address: item.address });
    else out.push(...item.members);
  }
  return out;
}

// Printable ASCII words made of atext only (plus single spaces) can stand as a phrase without quotes.
function isAtomPhrase(name: string): boolean {
  if (name.startsWith(' ') || name.endsWith(' ') || name.includes('  ')) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x20) continue;
    if (c < 0x21 || c > 0x7e || '()<>[]:;@\\,."'.includes(name[i] as string)) return false;
  }
  return true;
}

function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * A display name as it goes into a header: an atom phrase, a quoted-string, or encoded-words (for
 * non-ASCII, or text that a decoder would otherwise mistake for an encoded-word).
 */
export function formatPhrase(name: string): string {
  if (name === '') return '';
  if (isPrintableAscii(name) && !name.includes('=?')) return isAtomPhrase(name) ? name : quoteString(name);
  return encodeWords(name).join(' ');
}

/** `Name <address>` or a bare `address`. The address must already be validated. */
export function formatAddress(mailbox: Mailbox): string {
  if (mailbox.name === '') return mailbox.address;
  return `${formatPhrase(mailbox.name)} <${mailbox.address}>`;
}

/** A header value for a list of mailboxes and groups. */
export function formatAddressList(items: ReadonlyArray<AddressItem>): string {
  // One mailbox, the usual To: no array of one formatted item to join.
  const [only] = items;
  if (items.length === 1 && only?.kind === 'mailbox') return formatAddress(only);
  return items
    .map((item) =>
      item.kind === 'mailbox' ? formatAddress(item) : `${formatPhrase(item.name)}:${item.members.map(formatAddress).join(', ')};`,
    )
    .join(', ');
}
