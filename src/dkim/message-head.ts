/**
 * Finds where a raw message's header ends and splits it into fields, reading line ends the way the wire
 * will (CRLF, and every bare CR or LF as its own line end: see protocol/dot-stuffer.ts). Pure.
 */
import { normalizeLineEnds } from './canonicalize.js';

export interface HeaderField {
  /** Lower-cased name, for matching h= entries. */
  key: string;
  /** The whole field as it goes on the wire (latin1, CRLF line ends, final CRLF included). */
  raw: string;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * The offset where the body starts (just past the empty line), `bytes.length` when there is no empty line
 * and `final` says no more bytes follow, or -1 when more bytes are needed to tell.
 */
export function findBodyStart(bytes: Uint8Array, final: boolean): number {
  const n = bytes.length;
  let lineStart = 0;
  for (;;) {
    let p = lineStart;
    while (p < n && bytes[p] !== CR && bytes[p] !== LF) p++;
    if (p === n) return final ? n : -1;
    let next = p + 1;
    if (bytes[p] === CR) {
      if (next === n && !final) return -1; // a CR at the end: its LF may be in the next chunk
      if (bytes[next] === LF) next++;
    }
    if (p === lineStart) return next; // an empty line ends the header
    lineStart = next;
  }
}

/** The header's fields, in order. `header` is the bytes before the body (the empty line may be included). */
export function splitFields(header: Uint8Array): HeaderField[] {
  const text = normalizeLineEnds(Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('latin1'));
  const fields: HeaderField[] = [];
  let current = '';
  for (const line of text.split(/(?<=\r\n)/)) {
    if (line === '\r\n') break;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      current += line;
      continue;
    }
    if (current !== '') fields.push(toField(current));
    current = line;
  }
  if (current !== '') fields.push(toField(current.endsWith('\r\n') ? current : `${current}\r\n`));
  return fields;
}

function toField(raw: string): HeaderField {
  const colon = raw.indexOf(':');
  return { key: (colon === -1 ? raw : raw.slice(0, colon)).trim().toLowerCase(), raw };
}

/**
 * The domain of the From field's address (the last addr-spec in it), lower-cased; undefined when the
 * message has no From or no address in it. Enough for the alignment check, not a full RFC 5322 parser:
 * display names may hold "@" inside quotes or encoded words, so the address in angle brackets wins.
 */
export function fromDomain(fields: readonly HeaderField[]): string | undefined {
  const from = fields.find((f) => f.key === 'from');
  if (!from) return undefined;
  const value = from.raw.slice(from.raw.indexOf(':') + 1).replace(/\r\n/g, '');
  const angle = [...value.matchAll(/<([^<>]*)>/g)].pop()?.[1];
  const address = (angle ?? value.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/\([^()]*\)/g, '')).trim();
  const at = address.lastIndexOf('@');
  if (at === -1) return undefined;
  const domain = address.slice(at + 1).replace(/[\s>;,]+$/, '').trim().toLowerCase().replace(/\.$/, '');
  return domain === '' ? undefined : domain;
}
