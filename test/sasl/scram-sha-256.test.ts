import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { SCRAM_MAX_ITERATIONS, ScramSha256Mechanism } from '../../src/sasl/scram-sha-256.js';
import { rejection } from '../helpers/expect-error.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

// RFC 7677 section 3, verbatim.
const RFC = {
  user: 'user',
  pass: 'pencil',
  nonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function rfcMechanism(pass = RFC.pass, user = RFC.user): ScramSha256Mechanism {
  return new ScramSha256Mechanism({ user, pass }, { clientNonce: RFC.nonce });
}


/** A tiny independent server side, to exercise salts and iteration counts the RFC does not print. */
function serverFor(pass: string, salt: Buffer, iterations: number, clientFirstBare: string, serverFirst: string, clientFinal: string) {
  const withoutProof = clientFinal.slice(0, clientFinal.indexOf(',p='));
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const salted = pbkdf2Sync(pass, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const proof = Buffer.from(clientFinal.slice(clientFinal.indexOf(',p=') + 3), 'base64');
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  const recoveredKey = Buffer.from(proof.map((x, i) => x ^ (signature[i] ?? 0)));
  const proofOk = createHash('sha256').update(recoveredKey).digest().equals(storedKey);
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return { proofOk, serverFinal: `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}` };
}

describe('SCRAM-SHA-256 against the RFC 7677 exchange', () => {
  it('produces the client messages byte for byte and verifies the server (server-final in a 334)', async () => {
    const m = rfcMechanism();
    expect(m.name).toBe('SCRAM-SHA-256');
    expect((await m.start()).toString('utf8')).toBe(RFC.clientFirst);
    expect((await m.next(b(RFC.serverFirst))).toString('utf8')).toBe(RFC.clientFinal);
    expect(await m.next(b(RFC.serverFinal))).toEqual(Buffer.alloc(0));
    expect(() => m.finish(undefined)).not.toThrow();
  });

  it('verifies server-final carried in the 235 success data', async () => {
    const m = rfcMechanism();
    await m.start();
    await m.next(b(RFC.serverFirst));
    expect(() => m.finish(b(RFC.serverFinal))).not.toThrow();
  });

  it('sends client-first when the server asks with an empty challenge instead', async () => {
    const m = rfcMechanism();
    expect((await m.next(Buffer.alloc(0))).toString()).toBe(RFC.clientFirst);
    expect((await m.next(b(RFC.serverFirst))).toString()).toBe(RFC.clientFinal);
  });

  it('rejects a tampered server signature, in a 334 and in the 235', async () => {
    const sig = Buffer.from(RFC.serverFinal.slice(2), 'base64');
    sig[0] = (sig[0] ?? 0) ^ 1;
    const tampered = `v=${sig.toString('base64')}`;
    const m = rfcMechanism();
    await m.start();
    await m.next(b(RFC.serverFirst));
    const err = await rejection(m.next(b(tampered)));
    expect(err.code).toBe('EAUTH');
    expect(err.phase).toBe('auth');
    expect(err.message).toMatch(/signature/);
    expect(() => m.finish(undefined)).toThrow(/without proving/);

    const m2 = rfcMechanism();
    await m2.start();
    await m2.next(b(RFC.serverFirst));
    expect(() => m2.finish(b(tampered))).toThrow(/signature mismatch/);
    const m3 = rfcMechanism();
    await m3.start();
    await m3.next(b(RFC.serverFirst));
    expect(() => m3.finish(b('v=AAAA'))).toThrow(/signature mismatch/); // wrong length must not throw a TypeError
  });

  it('fails when the server says 235 but never proves itself', async () => {
    const m = rfcMechanism();
    await m.start();
    await m.next(b(RFC.serverFirst));
    const err = await rejection(() => m.finish(undefined));
    expect(err.code).toBe('EAUTH');
    expect(() => rfcMechanism().finish(undefined)).toThrow(SmtpError);
    const m2 = rfcMechanism();
    await m2.start();
    expect(() => m2.finish(b(RFC.serverFinal))).toThrow(/without proving/); // 235 before server-first
  });

  it('refuses fewer than 4096 iterations (downgrade) and absurdly many', async () => {
    const m = rfcMechanism();
    await m.start();
    const err = await rejection(m.next(b(RFC.serverFirst.replace('i=4096', 'i=4095'))));
    expect(err.code).toBe('EAUTH');
    expect(err.message).toMatch(/4095.*4096/);
    for (const bad of ['i=1', 'i=0', 'i=-4096', 'i=4096.5', 'i=', 'i=99999999999']) {
      const mm = rfcMechanism();
      await mm.start();
      expect((await rejection(mm.next(b(RFC.serverFirst.replace('i=4096', bad))))).code).toBe('EAUTH');
    }
  });

  it('caps the iteration count at SCRAM_MAX_ITERATIONS (100,000): up to it runs, above it is EAUTH before any PBKDF2', async () => {
    expect(SCRAM_MAX_ITERATIONS).toBe(100_000);
    const ok = rfcMechanism();
    await ok.start();
    await expect(ok.next(b(RFC.serverFirst.replace('i=4096', 'i=100000')))).resolves.toBeInstanceOf(Buffer);
    for (const over of ['i=100001', 'i=10000000']) {
      const m = rfcMechanism();
      await m.start();
      const err = await rejection(m.next(b(RFC.serverFirst.replace('i=4096', over))));
      expect(err.code).toBe('EAUTH');
      expect(err.message).toMatch(/more than the maximum 100000/);
    }
  });

  it('refuses a server nonce that does not extend ours', async () => {
    const cases = [
      RFC.serverFirst.replace('r=rOprNGfwEbeRWgbNEkqO%', 'r=XOprNGfwEbeRWgbNEkqO%'), // different prefix
      RFC.serverFirst.replace('r=rOprNGfwEbeRWgbNEkqO%', 'r=%'), // nonce does not contain ours at all
      `r=${RFC.nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`, // ours, not extended
      `r=${RFC.nonce}ab\x01c,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`, // not printable
    ];
    for (const serverFirst of cases) {
      const m = rfcMechanism();
      await m.start();
      const err = await rejection(m.next(b(serverFirst)));
      expect(err.code).toBe('EAUTH');
      expect(err.message).toMatch(/nonce/);
    }
  });

  it('refuses malformed server-first messages', async () => {
    const cases: Array<[string, RegExp]> = [
      [RFC.serverFirst.replace('s=W22ZaJ0SNY7soEsUEjb6gQ==', 's=W22Za*J0SNY'), /salt/],
      [RFC.serverFirst.replace('s=W22ZaJ0SNY7soEsUEjb6gQ==', 's='), /salt/],
      [`m=ext,${RFC.serverFirst}`, /extension/],
      ['s=W22ZaJ0SNY7soEsUEjb6gQ==,r=x,i=4096', /malformed/],
      ['garbage', /malformed/],
      [`${RFC.serverFirst.slice(0, RFC.serverFirst.indexOf(',i='))}`, /malformed/],
    ];
    for (const [serverFirst, why] of cases) {
      const m = rfcMechanism();
      await m.start();
      const err = await rejection(m.next(b(serverFirst)));
      expect(err.code).toBe('EAUTH');
      expect(err.message).toMatch(why);
    }
  });

  it('turns e= into EAUTH and keeps it as failureDetail', async () => {
    const m = rfcMechanism();
    await m.start();
    await m.next(b(RFC.serverFirst));
    const err = await rejection(m.next(b('e=invalid-proof')));
    expect(err.code).toBe('EAUTH');
    expect(err.message).toContain('invalid-proof');
    expect(m.failureDetail).toBe('e="invalid-proof"');

    const m2 = rfcMechanism();
    await m2.start();
    expect((await rejection(m2.next(b('e=unknown-user')))).message).toContain('unknown-user');
  });

  it('refuses any challenge after the exchange is complete', async () => {
    const m = rfcMechanism();
    await m.start();
    await m.next(b(RFC.serverFirst));
    await m.next(b(RFC.serverFinal));
    expect((await rejection(m.next(b(RFC.serverFinal)))).code).toBe('EAUTH');
  });
});

describe('SCRAM-SHA-256 inputs', () => {
  it('escapes = and , in the user name', async () => {
    const m = new ScramSha256Mechanism({ user: 'a=b,c', pass: 'p' }, { clientNonce: 'abc' });
    expect((await m.start()).toString()).toBe('n,,n=a=3Db=2Cc,r=abc');
  });

  it('SASLprep maps the password before hashing (soft hyphen, fullwidth, NBSP)', async () => {
    for (const pass of ['pen\u00ADcil', '\uFF50\uFF45\uFF4E\uFF43\uFF49\uFF4C']) {
      const m = rfcMechanism(pass);
      await m.start();
      expect((await m.next(b(RFC.serverFirst))).toString()).toBe(RFC.clientFinal);
    }
    const nbsp = rfcMechanism('pen\u00A0cil');
    const space = rfcMechanism('pen cil');
    await nbsp.start();
    await space.start();
    expect((await nbsp.next(b(RFC.serverFirst))).toString()).toBe((await space.next(b(RFC.serverFirst))).toString());
  });

  it('SASLprep maps the user name (U+2168 ROMAN NUMERAL NINE -> IX)', async () => {
    const m = new ScramSha256Mechanism({ user: '\u2168', pass: 'p' }, { clientNonce: 'n' });
    expect((await m.start()).toString()).toBe('n,,n=IX,r=n');
  });

  it('rejects prohibited characters with EGUARD without quoting the password', async () => {
    const err = await rejection(() => new ScramSha256Mechanism({ user: 'u', pass: 'secret\u0007bell' }));
    expect(err.code).toBe('EGUARD');
    expect(err.message).toMatch(/control character/);
    expect(err.message).not.toMatch(/secret|bell|0007/);
    const e2 = await rejection(() => new ScramSha256Mechanism({ user: 'u\uE000', pass: 'p' }));
    expect(e2.code).toBe('EGUARD');
    expect(e2.message).toContain('U+E000');
    expect((await rejection(() => new ScramSha256Mechanism({ user: 'u', pass: '\u00AD' }))).code).toBe('EGUARD');
  });

  it('needs a password; refuses a bad injected nonce', async () => {
    expect((await rejection(() => new ScramSha256Mechanism({ user: 'u' }))).code).toBe('ECONFIG');
    expect((await rejection(() => new ScramSha256Mechanism({ user: 'u', pass: 'p' }, { clientNonce: 'a,b' }))).code).toBe(
      'ECONFIG',
    );
  });

  it('uses a fresh random printable nonce by default', async () => {
    const first = (await new ScramSha256Mechanism({ user: 'u', pass: 'p' }).start()).toString();
    const second = (await new ScramSha256Mechanism({ user: 'u', pass: 'p' }).start()).toString();
    const nonceOf = (s: string) => s.slice(s.indexOf(',r=') + 3);
    expect(nonceOf(first)).toMatch(/^[\x21-\x2b\x2d-\x7e]{24,}$/);
    expect(nonceOf(first)).not.toBe(nonceOf(second));
  });

  it('completes against an independent server side with another salt and iteration count', async () => {
    const pass = 'Tr0ub4dor&3 ünïcode';
    const salt = Buffer.from('a-different-salt-16');
    const m = new ScramSha256Mechanism({ user: 'someone@example.com', pass }, { clientNonce: 'clientNONCE' });
    const clientFirst = (await m.start()).toString();
    const serverFirst = `r=clientNONCEserverNONCE,s=${salt.toString('base64')},i=5000`;
    const clientFinal = (await m.next(b(serverFirst))).toString();
    const server = serverFor(pass, salt, 5000, clientFirst.slice(3), serverFirst, clientFinal);
    expect(server.proofOk).toBe(true);
    expect(() => m.finish(b(server.serverFinal))).not.toThrow();

    const wrong = new ScramSha256Mechanism({ user: 'someone@example.com', pass: 'wrong' }, { clientNonce: 'clientNONCE' });
    await wrong.start();
    const wrongFinal = (await wrong.next(b(serverFirst))).toString();
    expect(serverFor(pass, salt, 5000, clientFirst.slice(3), serverFirst, wrongFinal).proofOk).toBe(false);
  });
});
