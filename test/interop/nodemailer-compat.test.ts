// mailwire/nodemailer against real Postfix: nodemailer's documented options (secure: false + requireTLS,
// auth, tls.ca) on the submission port, and the same message through real nodemailer and through
// mailwire/nodemailer to the plain port, both read back from the Maildir with postal-mime.
import nodemailerReal from 'nodemailer';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import nodemailer from '../../src/compat/nodemailer/index.js';
import { SmtpError } from '../../src/index.js';
import { MESSAGE, semantic } from '../compat/nodemailer/same-message.js';
import { removeMessages, requireServers, uniqueToken, waitForPostfix } from './harness.js';

const servers = requireServers();
const { ports } = servers;

const submission = () => ({
  host: '127.0.0.1',
  port: ports.submission,
  secure: false,
  requireTLS: true,
  auth: { user: servers.auth.user, pass: servers.auth.pass },
  tls: { ca: servers.tls.caPem, servername: servers.tls.serverName },
});

describe('mailwire/nodemailer and Postfix', () => {
  it('submission: STARTTLS + AUTH with nodemailer options, verify(cb), then the front-page example', async () => {
    const token = uniqueToken('nmc');
    const transporter = nodemailer.createTransport(submission());
    const verified = await new Promise<unknown>((resolve) => transporter.verify((error, ok) => resolve(error ?? ok)));
    expect(verified).toBe(true);
    const info = await transporter.sendMail({
      from: '"Maddison Foo Koch" <maddison53@example.com>',
      to: `bar-${token}@example.org, baz-${token}@example.org`,
      subject: `Hello ✔ ${token}`,
      text: 'Hello world?',
      html: '<b>Hello world?</b>',
    });
    transporter.close();
    expect(info.accepted).toEqual([`bar-${token}@example.org`, `baz-${token}@example.org`]);
    expect(info.response).toMatch(/^250 /);
    const got = await waitForPostfix(servers, token, { count: 2 });
    const email = await PostalMime.parse(got[0]!.message);
    expect(email.subject).toBe(`Hello ✔ ${token}`);
    expect(email.messageId).toBe(info.messageId);
    expect(email.html?.trim()).toBe('<b>Hello world?</b>');
    removeMessages(got);
  });

  it('submission: a wrong password is EAUTH with responseCode 535', async () => {
    const transporter = nodemailer.createTransport({ ...submission(), auth: { user: servers.auth.user, pass: 'not-the-password' } });
    const error = await transporter.sendMail({ from: 'a@example.com', to: 'b@example.org', text: 't' }).catch((e: unknown) => e);
    transporter.close();
    expect(error).toBeInstanceOf(SmtpError);
    expect(error).toMatchObject({ code: 'EAUTH', responseCode: 535 });
  });

  it('the same message through nodemailer and mailwire/nodemailer reads back the same from the Maildir', async () => {
    const token = uniqueToken('nmm');
    const message = { ...MESSAGE, to: `Jane <jane-${token}@example.org>`, cc: [], subject: `${MESSAGE.subject} ${token}` };
    const options = { host: '127.0.0.1', port: ports.postfix, secure: false, ignoreTLS: true };
    const real = nodemailerReal.createTransport(options);
    await real.sendMail({ ...message, headers: { ...message.headers, 'X-Sent-By': 'nodemailer' } });
    real.close();
    const compat = nodemailer.createTransport(options);
    await compat.sendMail({ ...message, headers: { ...message.headers, 'X-Sent-By': 'compat' } });
    compat.close();
    const got = await waitForPostfix(servers, token, { count: 2 });
    const parsed = await Promise.all(got.map((d) => PostalMime.parse(d.message)));
    const by = (who: string) => parsed.find((e) => e.headers.some((h) => h.key === 'x-sent-by' && h.value === who))!;
    expect(semantic(by('compat'))).toEqual(semantic(by('nodemailer')));
    expect(semantic(by('compat')).attachments).toHaveLength(4);
    removeMessages(got);
  });
});
