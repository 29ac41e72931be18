/**
 * Every error this layer can produce, collected in one place and searched for the secrets that went in:
 * the password, the token, their base64 forms, and the base64 of every message that carried them.
 */
import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { CramMd5Mechanism } from '../../src/sasl/cram-md5.js';
import { LoginMechanism } from '../../src/sasl/login.js';
import type { SaslMechanism } from '../../src/sasl/mechanism.js';
import { PlainMechanism } from '../../src/sasl/plain.js';
import { ScramSha256Mechanism } from '../../src/sasl/scram-sha-256.js';
import { selectMechanism } from '../../src/sasl/select.js';
import { XOAuth2Mechanism } from '../../src/sasl/xoauth2.js';
import { OAuthBearerMechanism } from '../../src/sasl/oauthbearer.js';

const PASS = 'Hunter2-Sëcret-Pass';
const TOKEN = 'ya29.T0KEN-very-secret-value';
const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

const forbidden = [
  PASS,
  TOKEN,
  b64(PASS),
  b64(TOKEN),
  b64(`\0u\0${PASS}`),
  b64(`user=u\x01auth=Bearer ${TOKEN}\x01\x01`),
  b64(`n,a=u,\x01host=h\x01port=587\x01auth=Bearer ${TOKEN}\x01\x01`),
  'Hunter2', // any recognisable fragment
  'T0KEN',
];

async function capture(action: () => unknown): Promise<SmtpError> {
  try {
    await action();
  } catch (err) {
    expect(SmtpError.is(err), `not an SmtpError: ${String(err)}`).toBe(true);
    return err as SmtpError;
  }
  throw new Error('expected an error');
}

function everything(err: SmtpError, mechanism?: SaslMechanism): string {
  return [
    err.message,
    err.stack ?? '',
    JSON.stringify(err.toJSON()),
    JSON.stringify(err),
    String(err),
    mechanism?.failureDetail ?? '',
  ].join('\n');
}

async function started(m: SaslMechanism): Promise<SaslMechanism> {
  await m.start();
  return m;
}

describe('no secret in any error', () => {
  it('holds for every failure path', async () => {
    const cases: Array<[string, () => Promise<[SmtpError, SaslMechanism?]>]> = [];
    const add = (name: string, make: () => SaslMechanism, act: (m: SaslMechanism) => unknown) =>
      cases.push([name, async () => {
        let m: SaslMechanism | undefined;
        const err = await capture(async () => {
          m = make();
          await act(m);
        });
        return [err, m];
      }]);
    // A broken or hostile server repeating what it received (each mechanism only knows its own secret).
    const echo = b(`you sent ${PASS} aka ${b64(PASS)}`);
    const tokenEcho = b(`you sent ${TOKEN} aka ${b64(TOKEN)}`);
    const salt = 'W22ZaJ0SNY7soEsUEjb6gQ==';
    const sf = `r=NONCEserver,s=${salt},i=4096`;
    const scram = (pass = PASS) => new ScramSha256Mechanism({ user: 'u', pass }, { clientNonce: 'NONCE' });

    add('PLAIN NUL', () => new PlainMechanism({ user: 'u', pass: `${PASS}\0` }), () => 0);
    add('PLAIN challenge', () => new PlainMechanism({ user: 'u', pass: PASS }), async (m) => m.next(echo));
    add('LOGIN echo', () => new LoginMechanism({ user: 'u', pass: PASS }), async (m) => {
      await m.next(b('Username:'));
      await m.next(b('Password:'));
      await m.next(echo);
    });
    add('LOGIN loop', () => new LoginMechanism({ user: 'u', pass: PASS }), async (m) => {
      for (let i = 0; i < 5; i++) await m.next(b(`Password: ${PASS}`));
    });
    add('CRAM-MD5 empty', () => new CramMd5Mechanism({ user: 'u', pass: PASS }), async (m) => m.next(Buffer.alloc(0)));
    add('CRAM-MD5 twice', () => new CramMd5Mechanism({ user: 'u', pass: PASS }), async (m) => {
      await m.next(echo);
      await m.next(echo);
    });
    add('XOAUTH2 control char', () => new XOAuth2Mechanism({ user: 'u', accessToken: `${TOKEN}\r\n` }), async (m) => m.start());
    add('XOAUTH2 provider throws', () => new XOAuth2Mechanism({ user: 'u', getAccessToken: async () => { throw new Error('nope'); } }), async (m) => m.start());
    add('XOAUTH2 echo then again', () => new XOAuth2Mechanism({ user: 'u', accessToken: TOKEN }), async (m) => {
      await m.start();
      await m.next(tokenEcho);
      await m.next(tokenEcho);
    });
    add('XOAUTH2 JSON echo', () => new XOAuth2Mechanism({ user: 'u', accessToken: TOKEN }), async (m) => {
      await m.start();
      await m.next(b(JSON.stringify({ status: TOKEN, schemes: b64(TOKEN), scope: 'x' })));
      await m.next(tokenEcho);
    });
    add('OAUTHBEARER control char', () => new OAuthBearerMechanism({ user: 'u', accessToken: `${TOKEN}\x01` }), async (m) => m.start());
    add('OAUTHBEARER provider throws', () => new OAuthBearerMechanism({ user: 'u', getAccessToken: async () => { throw new Error('nope'); } }), async (m) => m.start());
    add('OAUTHBEARER JSON echo then again', () => new OAuthBearerMechanism({ user: 'u', accessToken: TOKEN }, { host: 'h', port: 587 }), async (m) => {
      await m.start();
      await m.next(b(JSON.stringify({ status: TOKEN, schemes: b64(TOKEN), scope: 'x' })));
      await m.next(tokenEcho);
    });
    add('SCRAM prohibited', () => scram(`${PASS}\u0007`), () => 0);
    add('SCRAM private use', () => scram(`${PASS}\uE000`), () => 0);
    add('SCRAM e= echo (first)', () => scram(), async (m) => {
      await m.start();
      await m.next(b(`e=${PASS}-${b64(PASS)}`));
    });
    add('SCRAM e= echo (final)', () => scram(), async (m) => {
      await m.start();
      await m.next(b(sf));
      await m.next(b(`e=${PASS}`));
    });
    add('SCRAM bad signature', () => scram(), async (m) => {
      await m.start();
      await m.next(b(sf));
      await m.next(b(`v=${b64(PASS)}`));
    });
    add('SCRAM no signature', () => scram(), async (m) => {
      await m.start();
      await m.next(b(sf));
      m.finish(undefined);
    });
    add('SCRAM low iterations', () => scram(), async (m) => {
      await m.start();
      await m.next(b(`r=NONCEx,s=${salt},i=1`));
    });
    add('SCRAM garbage', () => scram(), async (m) => {
      await m.start();
      await m.next(echo);
    });
    const sel = (over: object) => () => {
      selectMechanism({
        offered: ['PLAIN', 'LOGIN'],
        method: 'auto',
        credentials: { user: 'u', pass: PASS, accessToken: TOKEN },
        secure: false,
        loopback: false,
        allowInsecureAuth: false,
        ...over,
      });
      return { name: 'x' } as unknown as SaslMechanism;
    };
    add('select token not offered', sel({}), () => 0);
    add('select token insecure', sel({ offered: ['XOAUTH2'] }), () => 0);
    add('select plain insecure', sel({ method: 'plain' }), () => 0);
    add('select auto insecure', sel({ credentials: { user: 'u', pass: PASS } }), () => 0);
    add('select none', sel({ offered: [] }), () => 0);
    add('select unsupported', sel({ offered: ['NTLM'], credentials: { user: 'u', pass: PASS } }), () => 0);

    for (const [name, run] of cases) {
      const [err, m] = await run();
      const text = everything(err, m);
      for (const secret of forbidden) expect(text, `${name}: leaked ${secret}`).not.toContain(secret);
    }
    expect(cases.length).toBeGreaterThan(20);
  });

  it('keeps the failureDetail of a mechanism that did not throw free of the token', async () => {
    const m = (await started(new XOAuth2Mechanism({ user: 'u', accessToken: TOKEN }))) as XOAuth2Mechanism;
    await m.next(b(`{"status":"401","scope":"${TOKEN}"}`));
    for (const secret of forbidden) expect(m.failureDetail).not.toContain(secret);
  });
});
