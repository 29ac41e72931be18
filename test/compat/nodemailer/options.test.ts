/**
 * nodemailer's transport options -> mailwire's TransportConfig, and what is refused (ECONFIG naming the
 * option) instead of being ignored. No network: createTransport opens nothing until a send.
 */
import { describe, expect, it } from 'vitest';
import { createTransport } from '../../../src/compat/nodemailer/index.js';
import { mapTransportOptions } from '../../../src/compat/nodemailer/options.js';
import { mapMessage } from '../../../src/compat/nodemailer/message.js';
import type { NodemailerSmtpOptions } from '../../../src/compat/nodemailer/types.js';

const config = (o: NodemailerSmtpOptions) => mapTransportOptions(o).config;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('not refused');
};

describe('security: secure, requireTLS, ignoreTLS', () => {
  it.each([
    [{ host: 'h', secure: true }, 'tls'],
    [{ host: 'h', port: 465 }, 'tls'],
    [{ host: 'h', port: 587, secure: false }, 'opportunistic'],
    [{ host: 'h' }, 'opportunistic'],
    [{ host: 'h', requireTLS: true }, 'starttls'],
    [{ host: 'h', port: 25, ignoreTLS: true }, 'none'],
  ] as Array<[NodemailerSmtpOptions, string]>)('%j -> %s', (options, security) => {
    expect(config(options).security).toBe(security);
  });

  it('host defaults to localhost, as in nodemailer', () => {
    expect(config({}).host).toBe('localhost');
  });
});

describe('the other options', () => {
  it('service names map onto presets (case and punctuation ignored), SES regions too', () => {
    expect(config({ service: 'Gmail' }).provider).toBe('gmail');
    expect(config({ service: 'Outlook365' }).provider).toBe('office365');
    expect(config({ service: 'SendinBlue' }).provider).toBe('brevo');
    expect(config({ service: 'SES-EU-WEST-1' }).provider).toBe('ses:eu-west-1');
    expect(refusal(() => config({ service: 'Yandex' }))).toMatchObject({ code: 'ECONFIG', message: expect.stringContaining('Yandex') });
  });

  it('auth, authMethod, OAuth2 with an access token, name, timeouts, proxy', () => {
    const c = config({
      host: 'h',
      auth: { user: 'u', pass: 'p' },
      authMethod: 'LOGIN',
      name: 'client.example.com',
      connectionTimeout: 5000,
      dnsTimeout: 1000,
      greetingTimeout: 2000,
      socketTimeout: 3000,
      proxy: 'socks5://127.0.0.1:1080',
    });
    expect(c).toMatchObject({
      auth: { user: 'u', pass: 'p', method: 'login' },
      clientName: 'client.example.com',
      timeouts: { connectMs: 6000, greetingMs: 2000, commandMs: 3000, dataMs: 3000 },
      proxy: 'socks5://127.0.0.1:1080',
    });
    expect(config({ auth: { type: 'OAuth2', user: 'u', accessToken: 'tok' } }).auth).toEqual({ user: 'u', accessToken: 'tok', method: 'xoauth2' });
  });

  it('pool: true maps maxConnections, maxMessages, rateLimit/rateDelta; without it one message per connection', () => {
    expect(config({ pool: true, maxConnections: 3, maxMessages: 10, rateLimit: 5, rateDelta: 2000 })).toMatchObject({
      pool: { maxConnections: 3, maxMessagesPerConnection: 10 },
      rateLimit: { messages: 5, perMs: 2000 },
    });
    expect(config({}).pool).toEqual({ maxConnections: 5, maxMessagesPerConnection: 1 });
  });

  it('dkim: domainName/keySelector/privateKey and headerFieldNames', () => {
    expect(config({ dkim: { domainName: 'example.com', keySelector: '2017', privateKey: 'PEM', headerFieldNames: 'from:to:subject' } }).dkim).toEqual({
      domain: 'example.com',
      selector: '2017',
      privateKey: 'PEM',
      headers: ['from', 'to', 'subject'],
    });
  });

  it('logger with debug: the session reaches the logger, the password does not', () => {
    const lines: string[] = [];
    const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    const c = config({ logger: { info: log, debug: log }, debug: true });
    c.onTranscript?.({ dir: 'C', line: 'AUTH PLAIN <redacted>', at: 0 });
    c.onTranscript?.({ dir: 'i', line: 'connected', at: 0 });
    expect(lines).toEqual(['%s: %s C AUTH PLAIN <redacted>', '%s connected']);
  });
});

describe('refused, never ignored', () => {
  it.each([
    [{ socket: {} }, 'socket'],
    [{ localAddress: '10.0.0.1' }, 'localAddress'],
    [{ hostname: 'x' }, 'hostname'],
    [{ maxMessages: 10 }, 'maxMessages'],
    [{ auth: { user: 'u', clientId: 'id', clientSecret: 's', refreshToken: 'r' } }, 'auth.clientId'],
    [{ dkim: { domainName: 'd', keySelector: 's', privateKey: 'k', cacheDir: '/tmp' } }, 'dkim.cacheDir'],
    [{ ignoreTLS: true, requireTLS: true }, 'ignoreTLS'],
    [{ authMethod: 'NTLM', auth: { user: 'u', pass: 'p' } }, 'NTLM'],
  ] as Array<[Record<string, unknown>, string]>)('%j: ECONFIG naming %s', (options, name) => {
    expect(refusal(() => createTransport(options as NodemailerSmtpOptions))).toMatchObject({ code: 'ECONFIG', message: expect.stringContaining(name) });
  });

  it('prepared headers are refused (they would skip the CR/LF check)', async () => {
    await expect(mapMessage({ headers: { 'X-Raw': { prepared: true, value: 'a' } } })).rejects.toMatchObject({ code: 'EGUARD' });
  });

  it('a reserved header and CR/LF in a header stay refused by mailwire at send', async () => {
    const t = createTransport({ host: '127.0.0.1', port: 1 });
    await expect(t.sendMail({ from: 'a@example.com', to: 'b@example.com', headers: { From: 'evil@example.com' }, text: 't' })).rejects.toMatchObject({ code: 'EGUARD' });
    await expect(t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'x\r\nBcc: c@example.com', text: 't' })).rejects.toMatchObject({ code: 'EGUARD' });
    await expect(t.sendMail({ from: 'a@example.com', to: 'b@example.com', text: 't', alternatives: [] } as never)).rejects.toMatchObject({ code: 'EGUARD', message: expect.stringContaining('alternatives') });
    t.close();
  });
});
