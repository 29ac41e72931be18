/** Unknown options and message fields are refused, naming the key and what to write instead. */
import { describe, expect, it } from 'vitest';
import { prepareMessage, createTransport, loadConfig, type TransportConfig } from '../../src/index.js';
import { rejection } from '../helpers/expect-error.js';

function refused(config: Record<string, unknown>): string {
  try {
    createTransport({ host: '127.0.0.1', ...config } as TransportConfig);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('ECONFIG');
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(config)}`);
}

describe('createTransport refuses options it does not know', () => {
  it('nodemailer names get the mailwire equivalent', () => {
    expect(refused({ secure: true })).toMatch(/unknown option "secure": .*use security: 'tls'/);
    expect(refused({ connectionTimeout: 5000 })).toContain('"connectionTimeout": use timeouts.connectMs');
    expect(refused({ greetingTimeout: 5000 })).toContain('use timeouts.greetingMs');
    expect(refused({ socketTimeout: 5000 })).toContain('use timeouts.commandMs');
    expect(refused({ maxConnections: 3 })).toContain('use pool: { maxConnections }');
    expect(refused({ requireTLS: true })).toContain("security: 'starttls'");
    expect(refused({ ignoreTLS: true })).toContain("security: 'none'");
    expect(refused({ name: 'me.example' })).toContain('use clientName');
    expect(refused({ logger: true })).toContain('onTranscript');
    expect(refused({ debug: true })).toContain('onTranscript');
    expect(refused({ servername: 'x' })).toContain('tls: { servername }');
    expect(refused({ pool: true })).toMatch(/pool takes options.*maxConnections/);
    expect(refused({ tls: true })).toContain("use security: 'tls'");
  });

  it('typos get the nearest known name, nested objects included', () => {
    expect(refused({ timeouts: { connect: 100 } })).toContain('unknown option "timeouts.connect": did you mean timeouts.connectMs?');
    expect(refused({ hots: 'x' })).toContain('did you mean host?');
    expect(refused({ auth: { user: 'u', password: 'p' } })).toContain('"auth.password": use pass');
    expect(refused({ pool: { maxConnection: 2 } })).toContain('did you mean pool.maxConnections?');
    expect(refused({ retry: { attempt: 2 } })).toContain('did you mean retry.attempts?');
    expect(refused({ guards: { publicAddressOnly: true } })).toContain('did you mean guards.publicAddressesOnly?');
    expect(refused({ guards: { disableFileAccess: true } })).toContain('guards.fileAccess: false');
    expect(refused({ zzzz: 1 })).toMatch(/unknown option "zzzz"$/);
  });

  it('tls is node:tls options and passes through; keys of this round are known; undefined values are ignored', () => {
    expect(() => createTransport({ host: 'h', tls: { servername: 'x', ciphers: 'DEFAULT' } as TransportConfig['tls'] })).not.toThrow();
    expect(() => createTransport({ host: 'h', secure: undefined } as TransportConfig)).not.toThrow();
    expect(() => createTransport({ host: 'h', guards: { fileAccess: false, urlAccess: false } })).not.toThrow();
    expect(() => createTransport({ host: 'h', auth: { user: 'u', getAccessToken: async () => 't' } })).not.toThrow();
  });
});

describe('messages refuse fields mailwire does not know', () => {
  const base = { from: 'a@example.com', to: 'b@example.com', text: 'x' };
  it('top-level, attachment, envelope and dsn fields, with advice', async () => {
    const t = createTransport({ host: '127.0.0.1', port: 1 });
    const e1 = await rejection(t.send({ ...base, alternatives: [] } as never));
    expect(e1.code).toBe('EGUARD');
    expect(e1.message).toContain('unknown field "alternatives"');
    expect((await rejection(t.send({ ...base, replyto: 'c@example.com' } as never))).message).toContain('did you mean replyTo?');
    expect((await rejection(t.send({ ...base, attachments: [{ content: 'x', filname: 'a.txt' }] } as never))).message).toContain(
      'unknown field "attachments[0].filname": did you mean attachments[0].filename?',
    );
    expect((await rejection(t.send({ ...base, envelope: { from: 'a@example.com', cc: ['c@example.com'] } } as never))).message).toContain('"envelope.cc"');
    expect((await rejection(t.send({ ...base, dsn: { notfy: 'NEVER' } } as never))).message).toContain('did you mean dsn.notify?');
    await t.close();
  });

  it('prepareMessage() (and so compose()) refuses them too, before any byte', async () => {
    await expect(prepareMessage({ ...base, raw: 'x' } as never)).rejects.toThrow(/unknown field "raw": .*sendRaw/);
  });
});


describe('loadConfig', () => {
  it('maps the flat platform config to a TransportConfig, strings from the environment included', () => {
    expect(
      loadConfig({ host: 'smtp.example.com', port: '465', user: 'u', pass: 'p', from: 'a@example.com', tls_skip_verify: 'true', min_tls: '1.3', client_name: 'me.example', auth_method: 'LOGIN', secure: 'true' }),
    ).toEqual({
      host: 'smtp.example.com', port: 465, security: 'tls', from: 'a@example.com', clientName: 'me.example',
      auth: { user: 'u', pass: 'p', method: 'login' }, tls: { rejectUnauthorized: false, minVersion: 'TLSv1.3' },
    });
  });

  it('security, secure and encryption all say the same thing', () => {
    expect(loadConfig({ host: 'h', security: 'opportunistic' }).security).toBe('opportunistic');
    expect(loadConfig({ host: 'h', secure: false }).security).toBe('starttls');
    expect(loadConfig({ host: 'h', encryption: 'ssl' }).security).toBe('tls');
    expect(loadConfig({ host: 'h', encryption: 'tls' }).security).toBe('starttls');
    expect(loadConfig({ host: 'h', encryption: 'none' }).security).toBe('none');
    expect(() => loadConfig({ host: 'h', secure: true, encryption: 'tls' })).toThrow(/"secure" and "encryption" disagree/);
  });

  it('refuses unknown keys and bad values with ECONFIG naming them', () => {
    const bad = (flat: Record<string, unknown>): string => {
      try {
        loadConfig(flat);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('ECONFIG');
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ host: 'h', hots: 'x' })).toContain('unknown key "hots": did you mean host?');
    expect(bad({ host: 'h', password: 'x' })).toContain('"password": use pass');
    expect(bad({ host: 'h', port: 'smtp' })).toContain('"port" must be a port');
    expect(bad({ host: 'h', encryption: 'maybe' })).toContain('"encryption" must be one of');
    expect(bad({ host: 'h', user: 'u' })).toContain('"pass" is not');
    expect(bad({ host: 'h', tls_skip_verify: 'perhaps' })).toContain('true or false');
  });

  it('its result is accepted by createTransport', () => {
    const t = createTransport(loadConfig({ host: '127.0.0.1', port: 2525, security: 'none' }));
    expect(t.configs[0]?.security).toBe('none');
    void t.close();
  });
});
