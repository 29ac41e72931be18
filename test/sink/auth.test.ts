import { describe, expect, it } from 'vitest';
import { startAuth, type AuthProgress } from '../../src/sink/auth.js';
import { R } from '../../src/sink/replies.js';

const creds = { user: 'alice', pass: 's3cret' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function step(p: AuthProgress, line: string): AuthProgress {
  if (!p.next) throw new Error('exchange already over');
  return p.next(line);
}

describe('startAuth', () => {
  it('PLAIN with and without an initial response', () => {
    expect(startAuth(`PLAIN ${b64('\0alice\0s3cret')}`, creds)).toEqual({ reply: R.authOk, user: 'alice' });
    expect(startAuth(`plain ${b64('alice\0alice\0s3cret')}`, creds)).toEqual({ reply: R.authOk, user: 'alice' });
    const first = startAuth('PLAIN', creds);
    expect(first.reply).toBe('334 \r\n');
    expect(step(first, b64('\0alice\0s3cret'))).toEqual({ reply: R.authOk, user: 'alice' });
  });

  it('PLAIN refusals', () => {
    expect(startAuth(`PLAIN ${b64('\0alice\0wrong')}`, creds).reply).toBe(R.badCredentials);
    expect(startAuth(`PLAIN ${b64('\0bob\0s3cret')}`, creds).reply).toBe(R.badCredentials);
    expect(startAuth(`PLAIN ${b64('bob\0alice\0s3cret')}`, creds).reply).toBe(R.badCredentials); // authzid
    expect(startAuth(`PLAIN ${b64('alice\0s3cret')}`, creds).reply).toBe(R.badCredentials);
    expect(startAuth('PLAIN =', creds).reply).toBe(R.badCredentials);
    expect(startAuth('PLAIN not*base64', creds).reply).toBe(R.badBase64);
    expect(step(startAuth('PLAIN', creds), '*').reply).toBe(R.authAborted);
  });

  it('LOGIN with and without an initial response', () => {
    const a = startAuth('LOGIN', creds);
    expect(a.reply).toBe(`334 ${b64('Username:')}\r\n`);
    const b = step(a, b64('alice'));
    expect(b.reply).toBe(`334 ${b64('Password:')}\r\n`);
    expect(step(b, b64('s3cret'))).toEqual({ reply: R.authOk, user: 'alice' });
    const c = startAuth(`LOGIN ${b64('alice')}`, creds);
    expect(step(c, b64('nope')).reply).toBe(R.badCredentials);
    expect(step(c, '*').reply).toBe(R.authAborted);
  });

  it('unknown mechanisms and bad syntax; no secret in any reply', () => {
    expect(startAuth('CRAM-MD5', creds).reply).toBe(R.unknownMechanism);
    expect(startAuth('', creds).reply).toBe(R.syntax);
    expect(startAuth('PLAIN a b', creds).reply).toBe(R.syntax);
    const all = [startAuth(`PLAIN ${b64('\0alice\0wrong')}`, creds), startAuth(`PLAIN ${b64('\0alice\0s3cret')}`, creds)];
    for (const p of all) expect(p.reply).not.toMatch(/s3cret|wrong/);
  });
});
