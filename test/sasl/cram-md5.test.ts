import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { CramMd5Mechanism } from '../../src/sasl/cram-md5.js';
import { rejection } from '../helpers/expect-error.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');


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
