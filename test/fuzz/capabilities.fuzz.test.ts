/**
 * The EHLO parser fed mutated real EHLO replies (through the reply parser, as on the wire) and random
 * lines: it never throws, every field it reports is well-formed whatever the server said, keywords that
 * name object internals stay plain keys, and its output grows only with the input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCapabilities, type Capabilities } from '../../src/protocol/capabilities.js';
import { ReplyParser } from '../../src/protocol/reply-parser.js';
import { createReply, type Reply } from '../../src/protocol/reply.js';
import { SmtpError } from '../../src/errors.js';
import { mutatedTranscript } from './corpus.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

const KEYWORD = /^(?:[A-Z0-9][A-Z0-9-]{0,63}|AUTH=)$/;
const MECHANISM = /^[A-Z0-9_-]{1,20}$/;
const FLAGS: Array<[keyof Capabilities, string]> = [
  ['starttls', 'STARTTLS'], ['pipelining', 'PIPELINING'], ['eightBitMime', '8BITMIME'], ['smtpUtf8', 'SMTPUTF8'], ['dsn', 'DSN'],
  ['chunking', 'CHUNKING'], ['binaryMime', 'BINARYMIME'], ['enhancedStatusCodes', 'ENHANCEDSTATUSCODES'], ['requireTls', 'REQUIRETLS'],
];

/** Every way the parsed capabilities could be malformed; empty when they are fine. (Plain checks: fast.) */
function problems(reply: Reply, caps: Capabilities): string[] {
  const out: string[] = [];
  if (Object.getPrototypeOf(caps.keywords) !== null) out.push('keywords has a prototype');
  const keys = Object.keys(caps.keywords);
  if (keys.length > Math.max(0, reply.lines.length - 1)) out.push('more keywords than lines');
  for (const key of keys) {
    if (!KEYWORD.test(key)) out.push(`bad keyword ${JSON.stringify(key)}`);
    if (!Array.isArray(caps.keywords[key])) out.push(`params of ${key} not an array`);
  }
  for (const [flag, keyword] of FLAGS) if (caps[flag] !== keyword in caps.keywords) out.push(`${flag} disagrees with keywords`);
  for (const mech of caps.auth) if (!MECHANISM.test(mech)) out.push(`bad mechanism ${JSON.stringify(mech)}`);
  if (new Set(caps.auth).size !== caps.auth.length) out.push('duplicate mechanisms');
  if (caps.size !== undefined && !(Number.isSafeInteger(caps.size) && caps.size >= 0)) out.push(`bad size ${caps.size}`);
  if ('SIZE' in caps.keywords !== (caps.size !== undefined)) out.push('size disagrees with keywords');
  // The first word: no SP, TAB or LF (a bare CR or other control may remain; the domain is only shown).
  if (/[ \t\n]/.test(caps.domain)) out.push(`domain ${JSON.stringify(caps.domain)}`);
  // Nothing leaked onto shared prototypes.
  if (Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted') || ({} as Record<string, unknown>).polluted !== undefined) {
    out.push('Object.prototype polluted');
  }
  return out;
}

function checkCapabilities(reply: Reply, caps: Capabilities): void {
  expect(problems(reply, caps)).toEqual([]);
}

describe('parseCapabilities fuzzing', () => {
  it('mutated real EHLO replies, through the reply parser: never throws, every field well-formed', () => {
    fc.assert(
      fc.property(mutatedTranscript, (bytes) => {
        const parser = new ReplyParser();
        let replies: Reply[] = [];
        try {
          replies = parser.push(bytes);
        } catch (error) {
          expect(SmtpError.is(error) && error.code === 'EPROTOCOL').toBe(true);
          return;
        }
        for (const reply of replies) checkCapabilities(reply, parseCapabilities(reply));
      }),
      { numRuns: fuzzRuns(800) },
    );
  });

  it('random lines of any characters: never throws, every field well-formed', () => {
    const word = fc.oneof(
      fc.constantFrom('AUTH', 'AUTH=', 'SIZE', 'STARTTLS', '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'PIPELINING', '8bitmime', 'x'.repeat(70)),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.integer().map(String),
    );
    const line = fc.array(word, { maxLength: 6 }).chain((words) => fc.constantFrom(' ', '\t', '  ', '\u00a0').map((sep) => words.join(sep)));
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 599 }), fc.array(line, { minLength: 1, maxLength: 30 }), (code, lines) => {
        const reply = createReply(code, lines);
        const caps = parseCapabilities(reply);
        checkCapabilities(reply, caps);
        if (code < 200 || code > 299) expect(Object.keys(caps.keywords)).toEqual([]);
      }),
      { numRuns: fuzzRuns(800) },
    );
  });

  it('a huge EHLO reply costs time and memory in proportion to its size, no more', () => {
    const lines = ['mx.example', ...Array.from({ length: 511 }, (_, i) => `X-KEYWORD-${i} ${'p '.repeat(100)}`)];
    const caps = parseCapabilities(createReply(250, lines));
    expect(Object.keys(caps.keywords)).toHaveLength(511);
    expect(caps.keywords['X-KEYWORD-7']).toHaveLength(100);
  });
});
