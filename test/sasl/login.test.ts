import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { LoginMechanism } from '../../src/sasl/login.js';
import { rejection } from '../helpers/expect-error.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');


describe('LOGIN', () => {
  it('has no initial response and answers Username: then Password:', async () => {
    const m = new LoginMechanism({ user: 'ünïcode', pass: 'sëcret' });
    expect(m.name).toBe('LOGIN');
    expect(await m.start()).toBeUndefined();
    expect(await m.next(b('Username:'))).toEqual(b('ünïcode'));
    expect(await m.next(b('Password:'))).toEqual(b('sëcret'));
    m.finish(undefined);
  });

  it('decides by the prompt text, whatever the order and spelling', async () => {
    const m = new LoginMechanism({ user: 'u', pass: 'p' });
    expect(await m.next(b('password:'))).toEqual(b('p'));
    expect(await m.next(b('User Name'))).toEqual(b('u'));
    const again = new LoginMechanism({ user: 'u', pass: 'p' });
    expect(await again.next(b('  USERNAME:  '))).toEqual(b('u'));
    expect(await again.next(b('PASSWORD'))).toEqual(b('p'));
  });

  it('falls back to order for unknown prompts, then refuses a third unknown one', async () => {
    const m = new LoginMechanism({ user: 'u', pass: 'p' });
    expect(await m.next(b('Who are you?'))).toEqual(b('u'));
    expect(await m.next(b('Prove it'))).toEqual(b('p'));
    const err = await rejection(m.next(b('And again?')));
    expect(err.code).toBe('EAUTH');
    expect(err.message).toContain('And again?');
  });

  it('unknown prompt after a known Username: goes to the password', async () => {
    const m = new LoginMechanism({ user: 'u', pass: 'p' });
    expect(await m.next(b('Username:'))).toEqual(b('u'));
    expect(await m.next(b('Passwort:'))).toEqual(b('p'));
  });

  it('gives up on a server that keeps prompting', async () => {
    const m = new LoginMechanism({ user: 'u', pass: 'p' });
    for (let i = 0; i < 4; i++) await m.next(b('Password:'));
    expect((await rejection(m.next(b('Password:')))).code).toBe('EAUTH');
  });

  it('needs a password', async () => {
    expect((await rejection(() => new LoginMechanism({ user: 'u' }))).code).toBe('ECONFIG');
  });
});
