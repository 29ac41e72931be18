import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { PlainMechanism } from '../../src/sasl/plain.js';
import { rejection } from '../helpers/expect-error.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');


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
