/**
 * The composer's output, byte for byte, for a sequence of varied messages (fixtures/compose-corpus.mjs),
 * against the bytes the composer produced before its per-shape caches (fixtures/compose-corpus.json). The
 * sequence repeats addresses, domains and options with one thing changed, so a cache that kept one
 * message's data for another, or ignored an option, shows up as a difference here. Every composed message
 * is also read back with postal-mime, an independent parser.
 */
import { readFileSync } from 'node:fs';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { prepareMessage } from '../../src/mime/compose.js';
// @ts-expect-error: a plain JavaScript fixture, shared with the script that writes the expectations
import { corpus, run } from './fixtures/compose-corpus.mjs';

interface Entry {
  text?: string;
  error?: string;
}

const expected = JSON.parse(readFileSync(new URL('./fixtures/compose-corpus.json', import.meta.url), 'utf8')) as Entry[];

describe('composer output is byte-identical to the recorded corpus', () => {
  it('composes every message of the corpus, twice, as recorded', async () => {
    const actual = (await run(prepareMessage)) as Entry[];
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect({ i, ...actual[i] }).toEqual({ i, ...expected[i] });
  });

  it('reads back every composed message of the corpus with postal-mime', async () => {
    let parsed = 0;
    for (const [message, options] of corpus() as Array<[Record<string, unknown>, Record<string, unknown>]>) {
      let raw: Buffer;
      try {
        raw = await (await prepareMessage(message, options)).toBuffer();
      } catch {
        continue;
      }
      const email = await PostalMime.parse(raw);
      if (typeof message.subject === 'string') expect(email.subject).toBe(message.subject);
      if (typeof message.text === 'string' && message.text !== '' && message.html === undefined && message.icalEvent === undefined) {
        expect(email.text?.replace(/\r\n/g, '\n').replace(/\r/g, '\n').trimEnd()).toBe(message.text.replace(/\r\n/g, '\n').replace(/\r/g, '\n').trimEnd());
      }
      parsed++;
    }
    expect(parsed).toBeGreaterThan(40);
  });
});
