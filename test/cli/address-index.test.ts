/** A bad address in a comma list is named by its place: --to 'a@x,bad@@x' is to[1]. */
import { describe, expect, it } from 'vitest';
import { prepareMessage } from '../../src/index.js';
import { splitAddresses } from '../../src/cli/send.js';
import { rejection } from '../helpers/expect-error.js';
import { runInProcess } from './in-process.js';

describe('the index of a bad address', () => {
  it('mailwire send --to "a@x,bad@@x" says to[1], before connecting', async () => {
    const r = await runInProcess(['send', '--server', '127.0.0.1:1', '--from', 'f@example.com', '--to', 'a@example.com,bad@@example.com', '--subject', 's', '--text', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('to[1]: invalid address "bad@@example.com"');
    expect(r.stderr).not.toContain('to[0]');
  });

  it('counts across repeated flags', async () => {
    const r = await runInProcess(['send', '--server', '127.0.0.1:1', '--from', 'f@example.com', '--to', 'a@example.com', '--to', 'b@example.com, bad@@example.com', '--text', 'x']);
    expect(r.stderr).toContain('to[2]:');
  });

  it('the library names the place inside a list string too', async () => {
    const e = await rejection(prepareMessage({ from: 'f@example.com', to: 'a@example.com, "Doe, J" <bad@@example.com>', text: 'x' }));
    expect(e.message).toMatch(/^to\[1\]: /);
  });

  it('splitting keeps quoted commas, comments and groups together', () => {
    expect(splitAddresses('a@x.com, "Doe, J" <j@x.com>,(c, d) k@x.com')).toEqual(['a@x.com', '"Doe, J" <j@x.com>', '(c, d) k@x.com']);
    expect(splitAddresses('Team: a@x.com, b@x.com;, c@x.com')).toEqual(['Team: a@x.com, b@x.com;', 'c@x.com']);
  });
});
