/**
 * EHLO reply -> what the server offers: typed fields for what the session uses, plus every keyword raw.
 *
 * Server lines are untrusted: junk lines are skipped, never thrown on, and keywords go into a
 * null-prototype object so "__proto__" or "constructor" is just another key.
 */

import { isPositive, type Reply } from './reply.js';

/** What the server announced in its EHLO reply (SIZE, PIPELINING, CHUNKING, AUTH mechanisms, STARTTLS...). */
export interface Capabilities {
  /** First word of the EHLO/HELO reply's first line (the server's name for itself). */
  domain: string;
  starttls: boolean;
  pipelining: boolean;
  eightBitMime: boolean;
  smtpUtf8: boolean;
  dsn: boolean;
  chunking: boolean;
  binaryMime: boolean;
  enhancedStatusCodes: boolean;
  requireTls: boolean;
  /** SIZE limit in bytes; undefined if not advertised; 0 when advertised without a fixed limit. */
  size?: number;
  /** Upper-case SASL mechanisms from "AUTH ..." and the old "AUTH=..." form, de-duplicated, order kept. */
  auth: string[];
  /**
   * Every keyword (upper-case) -> its parameters (raw), unknown ones included. The pre-standard
   * "AUTH=LOGIN PLAIN" line is kept under the key "AUTH=" so the map shows what the server really said.
   */
  keywords: Record<string, string[]>;
}

// RFC 5321 ehlo-keyword; the length cap only stops a hostile server from making huge keys.
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
// RFC 4422 mechanism name.
const MECHANISM = /^[A-Z0-9_-]{1,20}$/;
const SEPARATORS = /[ \t]+/;

function empty(domain: string): Capabilities {
  return {
    domain,
    starttls: false,
    pipelining: false,
    eightBitMime: false,
    smtpUtf8: false,
    dsn: false,
    chunking: false,
    binaryMime: false,
    enhancedStatusCodes: false,
    requireTls: false,
    auth: [],
    keywords: Object.create(null) as Record<string, string[]>,
  };
}

function firstWord(reply: Reply): string {
  // Any white space ends the word (a Reply built by hand may hold a LF the wire parser never lets through).
  const first = (reply.lines[0] ?? '').trim();
  return first === '' ? '' : (first.split(/\s+/)[0] ?? '');
}

/** After a HELO fallback: the server advertised nothing. */
export function heloCapabilities(reply: Reply): Capabilities {
  return empty(firstWord(reply));
}

/** From an EHLO 250 reply. A non-2xx reply advertises nothing. Never throws on junk lines. */
export function parseCapabilities(reply: Reply): Capabilities {
  const caps = empty(firstWord(reply));
  if (!isPositive(reply)) return caps;
  const keywords = caps.keywords;
  for (let i = 1; i < reply.lines.length; i++) {
    const words = (reply.lines[i] ?? '').trim().split(SEPARATORS);
    const head = words[0] ?? '';
    let keyword: string;
    let params: string[];
    if (/^AUTH=/i.test(head)) {
      // Old form (pre-RFC 2554 clients such as Outlook Express looked for it): "AUTH=LOGIN PLAIN".
      keyword = 'AUTH=';
      params = [head.slice(5), ...words.slice(1)].filter((p) => p !== '');
    } else if (KEYWORD.test(head)) {
      keyword = head.toUpperCase();
      params = words.slice(1);
    } else {
      continue;
    }
    const existing = keywords[keyword];
    if (existing === undefined) keywords[keyword] = params;
    else existing.push(...params);
    apply(caps, keyword, params);
  }
  return caps;
}

function apply(caps: Capabilities, keyword: string, params: string[]): void {
  switch (keyword) {
    case 'STARTTLS':
      caps.starttls = true;
      break;
    case 'PIPELINING':
      caps.pipelining = true;
      break;
    case '8BITMIME':
      caps.eightBitMime = true;
      break;
    case 'SMTPUTF8':
      caps.smtpUtf8 = true;
      break;
    case 'DSN':
      caps.dsn = true;
      break;
    case 'CHUNKING':
      caps.chunking = true;
      break;
    case 'BINARYMIME':
      caps.binaryMime = true;
      break;
    case 'ENHANCEDSTATUSCODES':
      caps.enhancedStatusCodes = true;
      break;
    case 'REQUIRETLS':
      caps.requireTls = true;
      break;
    case 'SIZE':
      caps.size = parseSize(params[0]);
      break;
    case 'AUTH':
    case 'AUTH=':
      for (const p of params) {
        const mech = p.toUpperCase();
        if (MECHANISM.test(mech) && !caps.auth.includes(mech)) caps.auth.push(mech);
      }
      break;
    default:
      break;
  }
}

/** RFC 1870: "SIZE" alone or "SIZE 0" means no fixed limit; junk is treated the same (advertised, unknown). */
function parseSize(param: string | undefined): number {
  if (param === undefined || !/^\d{1,16}$/.test(param)) return 0;
  const n = Number(param);
  return Number.isSafeInteger(n) ? n : 0;
}
