import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import type { SaslCredentials } from '../../src/sasl/mechanism.js';
import type { AuthMethod, SelectOptions } from '../../src/sasl/select.js';
import { createMechanism, selectMechanism } from '../../src/sasl/select.js';

const PASSWORD: SaslCredentials = { user: 'u', pass: 'p' };
const TOKEN: SaslCredentials = { user: 'u', accessToken: 't' };
const ALL = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'SCRAM-SHA-256'];

function opts(over: Partial<SelectOptions>): SelectOptions {
  return {
    offered: ALL,
    method: 'auto',
    credentials: PASSWORD,
    secure: true,
    loopback: false,
    allowInsecureAuth: false,
    ...over,
  };
}

function pick(over: Partial<SelectOptions>): string {
  return selectMechanism(opts(over)).name;
}

function refusal(over: Partial<SelectOptions>): SmtpError {
  try {
    selectMechanism(opts(over));
  } catch (err) {
    expect(SmtpError.is(err)).toBe(true);
    return err as SmtpError;
  }
  throw new Error('expected selectMechanism to throw');
}

describe('selectMechanism: auto order', () => {
  it.each([
    // offered, secure, loopback/allowInsecure, expected
    [ALL, true, false, 'SCRAM-SHA-256'],
    [ALL, false, false, 'SCRAM-SHA-256'],
    [['PLAIN', 'LOGIN', 'CRAM-MD5'], true, false, 'PLAIN'],
    [['LOGIN', 'CRAM-MD5'], true, false, 'LOGIN'],
    [['CRAM-MD5'], true, false, 'CRAM-MD5'],
    [['PLAIN', 'LOGIN', 'CRAM-MD5'], false, false, 'CRAM-MD5'],
    [['PLAIN', 'LOGIN', 'CRAM-MD5'], false, true, 'CRAM-MD5'], // opting in does not make PLAIN preferable
    [['PLAIN', 'LOGIN'], false, true, 'PLAIN'],
    [['LOGIN'], false, true, 'LOGIN'],
    [['plain', 'login'], true, false, 'PLAIN'], // case-insensitive
    [['GSSAPI', 'NTLM', 'LOGIN'], true, false, 'LOGIN'], // unknown ones skipped
  ] as const)('%j secure=%s insecureOk=%s -> %s', (offered, secure, insecureOk, expected) => {
    expect(pick({ offered: [...offered], secure, allowInsecureAuth: insecureOk })).toBe(expected);
    if (insecureOk) expect(pick({ offered: [...offered], secure, loopback: true })).toBe(expected);
  });

  it('uses XOAUTH2 whenever the credentials carry a token', () => {
    expect(pick({ credentials: TOKEN })).toBe('XOAUTH2');
    expect(pick({ credentials: { user: 'u', pass: 'p', getAccessToken: async () => 't' } })).toBe('XOAUTH2');
    const err = refusal({ credentials: TOKEN, offered: ['PLAIN', 'LOGIN'] });
    expect(err.code).toBe('EAUTH');
    expect(err.message).toMatch(/XOAUTH2.*offers: PLAIN, LOGIN/);
  });
});

describe('selectMechanism: refusals', () => {
  it('refuses PLAIN/LOGIN/XOAUTH2 over plaintext to a remote host, explaining how to opt in', () => {
    for (const method of ['plain', 'login'] as const) {
      const err = refusal({ method, secure: false });
      expect(err.code).toBe('EAUTH');
      expect(err.phase).toBe('auth');
      expect(err.transient).toBe(false);
      expect(err.message).toMatch(/unencrypted/);
      expect(err.message).toMatch(/allowInsecureAuth/);
      expect(err.message).toMatch(/starttls/);
    }
    expect(refusal({ method: 'xoauth2', credentials: TOKEN, secure: false }).message).toMatch(/access token/);
    expect(refusal({ credentials: TOKEN, secure: false }).message).toMatch(/XOAUTH2.*unencrypted/);
    const auto = refusal({ offered: ['PLAIN', 'LOGIN'], secure: false });
    expect(auto.message).toMatch(/only PLAIN, LOGIN on this unencrypted connection/);
    expect(auto.message).toMatch(/allowInsecureAuth/);
  });

  it('allows them over TLS, to loopback, or when opted in', () => {
    for (const method of ['plain', 'login'] as const) {
      expect(pick({ method, secure: true })).toBe(method.toUpperCase());
      expect(pick({ method, secure: false, loopback: true })).toBe(method.toUpperCase());
      expect(pick({ method, secure: false, allowInsecureAuth: true })).toBe(method.toUpperCase());
    }
    expect(pick({ method: 'xoauth2', credentials: TOKEN, secure: false, loopback: true })).toBe('XOAUTH2');
  });

  it('allows the challenge-response mechanisms over plaintext', () => {
    expect(pick({ method: 'cram-md5', secure: false })).toBe('CRAM-MD5');
    expect(pick({ method: 'scram-sha-256', secure: false })).toBe('SCRAM-SHA-256');
  });

  it('refuses an explicit method the server does not offer, listing what it offers', () => {
    const err = refusal({ method: 'scram-sha-256', offered: ['PLAIN', 'LOGIN'] });
    expect(err.code).toBe('EAUTH');
    expect(err.message).toContain('does not offer SCRAM-SHA-256');
    expect(err.message).toContain('PLAIN, LOGIN');
  });

  it('refuses when the server offers nothing, hinting at STARTTLS on plaintext', () => {
    const err = refusal({ offered: [], secure: false });
    expect(err.code).toBe('EAUTH');
    expect(err.message).toMatch(/no authentication mechanisms.*STARTTLS/);
    expect(refusal({ offered: [], secure: true }).message).not.toMatch(/STARTTLS/);
  });

  it('refuses when nothing offered is supported', () => {
    expect(refusal({ offered: ['GSSAPI', 'NTLM'] }).message).toMatch(/GSSAPI, NTLM.*supports/);
    expect(refusal({ offered: ['XOAUTH2', 'NTLM'] }).message).toMatch(/accessToken/);
  });

  it('reports missing secrets as ECONFIG', () => {
    for (const method of ['plain', 'login', 'cram-md5', 'scram-sha-256', 'auto'] as const) {
      expect(refusal({ method, credentials: { user: 'u' } }).code).toBe('ECONFIG');
    }
    expect(refusal({ method: 'xoauth2', credentials: { user: 'u', pass: 'p' } }).code).toBe('ECONFIG');
    expect(refusal({ method: 'bogus' as AuthMethod }).code).toBe('ECONFIG');
  });
});

describe('createMechanism', () => {
  it.each([
    ['plain', 'PLAIN'],
    ['login', 'LOGIN'],
    ['cram-md5', 'CRAM-MD5'],
    ['scram-sha-256', 'SCRAM-SHA-256'],
  ] as const)('%s -> %s', (method, name) => {
    expect(createMechanism(method, PASSWORD).name).toBe(name);
  });

  it('passes SCRAM options through', async () => {
    const m = createMechanism('scram-sha-256', PASSWORD, { scram: { clientNonce: 'fixed' } });
    expect((await m.start())?.toString()).toBe('n,,n=u,r=fixed');
    expect(createMechanism('xoauth2', TOKEN).name).toBe('XOAUTH2');
  });
});
