/**
 * Addresses with trailing garbage or a source route are refused with EGUARD naming the field (issue 14);
 * they used to be accepted with the junk or the route silently dropped.
 */
import { describe, expect, it } from 'vitest';
import { prepareMessage } from '../../src/mime/compose.js';
import { createTransport } from '../../src/index.js';
import { rejection as failure } from '../helpers/expect-error.js';

const base = { from: 'a@example.test', to: 'b@example.test', text: 'x' };
const JUNK = '<b@example.test> ORCPT=rfc822;x@y';
const ROUTE = '@evil.test:b@example.test';

describe('address strictness', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['trailing garbage in to[1]', { to: ['c@example.test', JUNK] }, /^to\[1\]: .*after <b@example\.test>/],
    ['a source route in to', { to: ROUTE }, /^to: source routes/],
    ['a source route in to[0]', { to: [ROUTE] }, /^to\[0\]: source routes/],
    ['trailing garbage in cc', { cc: JUNK }, /^cc: /],
    ['a source route in bcc[0]', { bcc: [ROUTE] }, /^bcc\[0\]: source routes/],
    ['trailing garbage in replyTo', { replyTo: JUNK }, /^replyTo: /],
    ['trailing garbage in from', { from: 'Me <a@example.test> junk' }, /^from: /],
    ['a source route in from', { from: ROUTE }, /^from: /],
    ['trailing garbage in envelope.to[0]', { envelope: { to: [JUNK] } }, /^envelope\.to\[0\]: /],
    ['a source route in envelope.to[0]', { envelope: { to: [ROUTE] } }, /^envelope\.to\[0\]: /],
    ['a source route in envelope.from', { envelope: { from: ROUTE, to: ['b@example.test'] } }, /^envelope\.from: /],
  ])('%s: EGUARD naming the field', async (_name, fields, message) => {
    const error = await failure(prepareMessage({ ...base, ...fields } as never));
    expect(error.code).toBe('EGUARD');
    expect(error.message).toMatch(message);
  });

  it('sendRaw: the same addresses in its envelope are EGUARD naming envelope.to[i]', async () => {
    const t = createTransport({ host: '127.0.0.1', port: 2525, security: 'none' });
    try {
      for (const [i, bad] of [JUNK, ROUTE].entries()) {
        const to = ['c@example.test', 'd@example.test'];
        to[i] = bad;
        const error = await failure(t.sendRaw({ from: 'a@example.test', to }, 'Subject: x\r\n\r\nx\r\n'));
        expect(error.code).toBe('EGUARD');
        expect(error.message).toMatch(new RegExp(`^envelope\\.to\\[${i}\\]`));
      }
    } finally {
      await t.close();
    }
  });

  it('still accepted: comments after the address, groups, and ";" between addresses', async () => {
    const prepared = await prepareMessage({
      ...base,
      to: ['Bee <b@example.test> (work)', 'Team: c@example.test, d@example.test;', 'e@example.test; f@example.test'],
    });
    expect(prepared.envelope.to).toEqual(['b@example.test', 'c@example.test', 'd@example.test', 'e@example.test', 'f@example.test']);
  });
});
