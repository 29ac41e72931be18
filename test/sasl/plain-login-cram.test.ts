import { describe, expect, it } from 'vitest';
import { CramMd5Mechanism } from '../../src/sasl/cram-md5.js';
import { LoginMechanism } from '../../src/sasl/login.js';
import { PlainMechanism } from '../../src/sasl/plain.js';
import { SmtpError } from '../../src/errors.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<SmtpError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(SmtpError.is(err)).toBe(true);
    return err as SmtpError;
  }
  throw new Error('expected a rejection');
}

describe('PLAIN', () => {
  it('sends NUL user NUL pass as the initial response, authzid empty, UTF-8', async () => {
    const m = new PlainMechanism({ user: 'jöhn@example.com', pass: 'pässwörd' });
    expect(m.name).toBe('PLAIN');
    const ir = await m.start();
    expect(ir).toEqual(Buffer.concat([b('\0'), b('jöhn@example.com'), b('\0'), b('pässwörd')]));
    expect(ir.toString('base64')).toBe(Buffer.from('\0jöhn@example.com\0pässwörd').toString('base64'));
  });

  it('answers one empty challenge with the same message (server ignored the initial response)', async () => {
    const m = new PlainMechanism({ user: 'u', pass: 'p' });
    expect(await m.next(Buffer.alloc(0))).toEqual(b('\0u\0p'));
    const err = await rejection(m.next(Buffer.alloc(0)));
    expect(err.code).toBe('EAUTH');
    expect((await rejection(new PlainMechanism({ user: 'u', pass: 'p' }).next(b('huh')))).code).toBe('EAUTH');
  });

  it('rejects NUL in user or password with EGUARD, before any byte is produced', async () => {
    const e1 = await rejection(() => new PlainMechanism({ user: 'a\0b', pass: 'p' }));
    expect(e1.code).toBe('EGUARD');
    expect(e1.phase).toBe('auth');
    const e2 = await rejection(() => new PlainMechanism({ user: 'u', pass: 'x\0admin' }));
    expect(e2.code).toBe('EGUARD');
    expect(e2.message).not.toContain('admin');
  });

  it('needs a password and a user (ECONFIG)', async () => {
    expect((await rejection(() => new PlainMechanism({ user: 'u' }))).code).toBe('ECONFIG');
    expect((await rejection(() => new PlainMechanism({ user: 'u', pass: '' }))).code).toBe('ECONFIG');
    expect((await rejection(() => new PlainMechanism({ user: '', pass: 'p' }))).code).toBe('ECONFIG');
  });
});

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

describe('CRAM-MD5', () => {
  it('matches the RFC 2195 example', async () => {
    const m = new CramMd5Mechanism({ user: 'tim', pass: 'tanstaaftanstaaf' });
    expect(m.name).toBe('CRAM-MD5');
    expect(await m.start()).toBeUndefined();
    const response = await m.next(b('<1896.697170952@postoffice.reston.mci.net>'));
    expect(response.toString('latin1')).toBe('tim b913a602c7eda7a495b4e6e7334d3890');
    // The RFC also prints the base64 forms of both directions.
    expect(Buffer.from('PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+', 'base64').toString()).toBe(
      '<1896.697170952@postoffice.reston.mci.net>',
    );
    expect(response.toString('base64')).toBe('dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw');
  });

  it('refuses an empty challenge and a second challenge', async () => {
    expect((await rejection(new CramMd5Mechanism({ user: 'u', pass: 'p' }).next(Buffer.alloc(0)))).code).toBe('EAUTH');
    const m = new CramMd5Mechanism({ user: 'u', pass: 'p' });
    await m.next(b('<1@x>'));
    expect((await rejection(m.next(b('<2@x>')))).code).toBe('EAUTH');
  });

  it('needs a password', async () => {
    expect((await rejection(() => new CramMd5Mechanism({ user: 'u' }))).code).toBe('ECONFIG');
  });
});
