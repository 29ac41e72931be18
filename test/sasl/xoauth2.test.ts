import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { XOAuth2Mechanism } from '../../src/sasl/xoauth2.js';
import { rejection } from '../helpers/expect-error.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');


describe('XOAUTH2', () => {
  it('sends user=..^Aauth=Bearer ..^A^A as the initial response', async () => {
    const m = new XOAuth2Mechanism({ user: 'someuser@example.com', accessToken: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg' });
    expect(m.name).toBe('XOAUTH2');
    const ir = await m.start();
    expect(ir.toString('latin1')).toBe(
      'user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01',
    );
    // Google's documented example of the same message, base64-encoded.
    expect(ir.toString('base64')).toBe(
      'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==',
    );
  });

  it('asks the provider for a token once per attempt', async () => {
    let calls = 0;
    const m = new XOAuth2Mechanism({
      user: 'u',
      getAccessToken: async () => {
        calls += 1;
        return `tok${calls}`;
      },
    });
    expect((await m.start()).toString()).toBe('user=u\x01auth=Bearer tok1\x01\x01');
    expect((await m.next(Buffer.alloc(0))).toString()).toBe('user=u\x01auth=Bearer tok1\x01\x01');
    expect(calls).toBe(1);
  });

  it('prefers a static token over the provider', async () => {
    const m = new XOAuth2Mechanism({ user: 'u', accessToken: 'static', getAccessToken: async () => 'dynamic' });
    expect((await m.start()).toString()).toContain('Bearer static\x01');
  });

  it('records the JSON error from a 334 and answers with an empty response', async () => {
    const m = new XOAuth2Mechanism({ user: 'u', accessToken: 'tok' });
    await m.start();
    expect(m.failureDetail).toBeUndefined();
    const json = '{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}';
    expect(await m.next(b(json))).toEqual(Buffer.alloc(0));
    expect(m.failureDetail).toBe('status=401, schemes=Bearer, scope=https://mail.google.com/');
    expect((await rejection(m.next(b(json)))).code).toBe('EAUTH');
  });

  it('quotes a non-JSON error and redacts an echoed token', async () => {
    const m = new XOAuth2Mechanism({ user: 'u', accessToken: 'tok-SECRET' });
    await m.start();
    await m.next(b('invalid token tok-SECRET\x1b[31m'));
    expect(m.failureDetail).toBe('server error "invalid token [redacted]\\u001b[31m"');
    const m2 = new XOAuth2Mechanism({ user: 'u', accessToken: 'tok-SECRET' });
    await m2.start();
    await m2.next(b(`{"status":"400","scope":"${Buffer.from('tok-SECRET').toString('base64')}"}`));
    expect(m2.failureDetail).toBe('status=400, scope=[redacted]');
  });

  it('needs a token or provider; rejects control characters in user and token', async () => {
    expect((await rejection(() => new XOAuth2Mechanism({ user: 'u' }))).code).toBe('ECONFIG');
    expect((await rejection(() => new XOAuth2Mechanism({ user: 'u', accessToken: '' }))).code).toBe('ECONFIG');
    expect((await rejection(() => new XOAuth2Mechanism({ user: 'u\x01auth=x', accessToken: 't' }))).code).toBe('EGUARD');
    const err = await rejection(new XOAuth2Mechanism({ user: 'u', accessToken: 'abc\x01def' }).start());
    expect(err.code).toBe('EGUARD');
    expect(err.message).not.toContain('abc');
  });

  it('wraps a failing or empty provider as EAUTH with the cause kept', async () => {
    const boom = new Error('refresh token revoked');
    const err = await rejection(new XOAuth2Mechanism({ user: 'u', getAccessToken: async () => Promise.reject(boom) }).start());
    expect(err.code).toBe('EAUTH');
    expect(err.cause).toBe(boom);
    const empty = await rejection(new XOAuth2Mechanism({ user: 'u', getAccessToken: async () => '' }).start());
    expect(empty.code).toBe('EAUTH');
  });
});
