/** attachments[i].encoding: only the values mailwire knows, and only on string content. */
import { describe, expect, it } from 'vitest';
import { prepareMessage } from '../../src/index.js';
import { rejection } from '../helpers/expect-error.js';

const base = { from: 'a@example.com', to: 'b@example.com', text: 'x' };

describe('attachment encoding', () => {
  it('an unknown value is EGUARD naming the field and the known values', async () => {
    for (const encoding of ['binary', 'latin1', 'base64url', 'BASE64']) {
      const e = await rejection(prepareMessage({ ...base, attachments: [{ filename: 'a.bin', content: 'aGk=', encoding }] } as never));
      expect(e.code).toBe('EGUARD');
      expect(e.message).toBe(`attachments[0].encoding: "${encoding}" is not known: use base64, utf8, hex (for a string content)`);
    }
  });

  it('on a Buffer it would be ignored, so it is refused', async () => {
    const e = await rejection(prepareMessage({ ...base, attachments: [{ filename: 'a.bin', content: Buffer.from('aGk='), encoding: 'base64' }] }));
    expect(e.message).toContain('attachments[0].encoding: applies to a string content only');
  });

  it('base64 content with encoding: base64 is decoded once', async () => {
    const prepared = await prepareMessage({ ...base, attachments: [{ filename: 'a.txt', content: Buffer.from('hello').toString('base64'), encoding: 'base64' }] });
    const raw = (await prepared.toBuffer()).toString();
    expect(raw).toContain(Buffer.from('hello').toString('base64')); // sent as base64 of "hello", not of its base64 text
    expect(raw).not.toContain(Buffer.from(Buffer.from('hello').toString('base64')).toString('base64'));
  });
});
