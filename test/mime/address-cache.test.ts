/**
 * The memo of parsed address strings (src/mime/address-cache.ts): bounded, keyed by the whole input,
 * and never answering for a string that needs SMTPUTF8 when SMTPUTF8 is off. Through the composer: the
 * same address string in messages with different options gives each message its own result.
 */
import { describe, expect, it } from 'vitest';
import { cachedItems, keepItems } from '../../src/mime/address-cache.js';
import { prepareMessage } from '../../src/mime/compose.js';

const item = (address: string) => [{ kind: 'mailbox' as const, name: '', address }];

describe('address memo', () => {
  it('holds at most 256 entries: the 257th starts it again', () => {
    // The memo is shared with every other test in this thread: first fill it until it starts again, so it
    // holds exactly one entry (the filler that made it start again), whatever ran before.
    keepItems('fill-0@x.example', item('fill-0@x.example'), false);
    let j = 1;
    while (cachedItems('fill-0@x.example', true) !== undefined) keepItems(`fill-${j}@x.example`, item(`fill-${j++}@x.example`), false);
    for (let i = 0; i < 255; i++) keepItems(`bound-${i}@x.example`, item(`bound-${i}@x.example`), false);
    expect(cachedItems('bound-0@x.example', true)).toBeDefined();
    keepItems('one-more@x.example', item('one-more@x.example'), false);
    expect(cachedItems('bound-0@x.example', true)).toBeUndefined();
    expect(cachedItems('one-more@x.example', true)?.items[0]).toMatchObject({ address: 'one-more@x.example' });
  });

  it('keeps no input over 512 characters', () => {
    const long = `${'a'.repeat(60)}@${'b'.repeat(60)}.example, `.repeat(5);
    keepItems(long, item('a@b.example'), false);
    expect(cachedItems(long, true)).toBeUndefined();
  });

  it('does not answer for a non-ASCII local part when SMTPUTF8 is off', () => {
    keepItems('jörg@x.example', item('jörg@x.example'), true);
    expect(cachedItems('jörg@x.example', true)?.utf8).toBe(true);
    expect(cachedItems('jörg@x.example', false)).toBeUndefined();
  });

  it('gives each message the result of its own options for the same address string', async () => {
    const msg = { from: 'jörg@x.example', to: 'b@x.example', text: 'hi' };
    const first = await prepareMessage(msg, { smtpUtf8: true });
    expect(first.needsSmtpUtf8).toBe(true);
    await expect(prepareMessage(msg, { smtpUtf8: false })).rejects.toMatchObject({ code: 'EGUARD' });
    const again = await prepareMessage(msg, {});
    expect(again.needsSmtpUtf8).toBe(true);
    // A cached From next to an uncached one: the flag is the message's own.
    const plain = await prepareMessage({ from: 'jorg@x.example', to: 'b@x.example', text: 'hi' }, {});
    expect(plain.needsSmtpUtf8).toBe(false);
  });
});
