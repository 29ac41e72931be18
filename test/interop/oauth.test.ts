// OAuth2 against Dovecot's submission server (servers.d/oauth-up.sh): OAUTHBEARER and XOAUTH2 checked by
// Dovecot's own oauth2 passdb (HS256 JWTs, signature and exp validated locally). An expired token gets
// RFC 7628's error exchange from Dovecot (334 {"status":"invalid_token"}, AQ==, 535); mailwire renews it once
// and sends on a fresh connection. Dovecot relays the message to the interop Postfix, whose Maildir shows it.
import { createHmac } from 'node:crypto';
import https from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import { createTransport, type TranscriptEntry, type TransportConfig } from '../../src/index.js';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';
import { removeMessages, requireServers, uniqueToken, waitForPostfix, type PostfixDelivery } from './harness.js';
import { readEnvFile } from './env-file.js';

const servers = requireServers();
const env = readEnvFile('oauth');
const PORT = Number(env['MW_OAUTH_PORT']);
const KEY = Buffer.from(env['MW_OAUTH_KEY'] ?? '', 'base64');
const USER = 'tester@oauth.test';
const consumed: PostfixDelivery[] = [];
afterAll(() => removeMessages(consumed));

/** A JWT Dovecot accepts for USER, valid for `seconds` (negative: already expired). */
function jwt(seconds: number, nonce: string): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: USER, iat: now - 60, exp: now + seconds, jti: nonce })}`;
  return `${body}.${createHmac('sha256', KEY).update(body).digest('base64url')}`;
}

function config(auth: TransportConfig['auth'], transcript: TranscriptEntry[]): TransportConfig {
  return { host: '127.0.0.1', port: PORT, security: 'none', clientName: 'client.test', auth, retry: { attempts: 1 }, onTranscript: (e) => transcript.push(e) };
}

async function sendAndFind(cfg: TransportConfig, token: string): Promise<PostfixDelivery> {
  const transport = createTransport(cfg);
  try {
    const info = await transport.send({ from: `sender-${token}@example.com`, to: `rcpt-${token}@example.org`, subject: token, text: `body ${token}` });
    expect(info.accepted).toEqual([`rcpt-${token}@example.org`]);
  } finally {
    await transport.close();
  }
  const [d] = await waitForPostfix(servers, token);
  consumed.push(d!);
  return d!;
}

describe("Dovecot's submission server with OAUTHBEARER and XOAUTH2", () => {
  for (const method of ['auto', 'xoauth2'] as const) {
    const wire = method === 'auto' ? 'OAUTHBEARER' : 'XOAUTH2';
    it(`${method}: an expired token is refused (${wire} error exchange), renewed once, and the message goes on a fresh connection`, async () => {
      const token = uniqueToken(`oauth-${method}`);
      const transcript: TranscriptEntry[] = [];
      const stale = jwt(-600, `${token}-stale`);
      const fresh = jwt(600, `${token}-fresh`);
      const calls: boolean[] = [];
      const getAccessToken = async ({ refresh }: { refresh: boolean }): Promise<string> => (calls.push(refresh), refresh ? fresh : stale);
      const d = await sendAndFind(config({ user: USER, method, getAccessToken }, transcript), token);
      expect(d.message.toString('latin1')).toContain(`body ${token}`);
      expect(calls).toEqual([false, true]);
      const client = transcript.filter((e) => e.dir === 'C').map((e) => e.line);
      expect(client.filter((l) => l.startsWith(`AUTH ${wire}`))).toHaveLength(2);
      // Dovecot's error challenge and its 535, as RFC 7628 section 3.2.3 has them (the 334 is redacted in the transcript).
      const serverLines = transcript.filter((e) => e.dir === 'S').map((e) => e.line);
      expect(serverLines.some((l) => l.startsWith('535 5.7.8'))).toBe(true);
      expect(serverLines.filter((l) => l.startsWith('235 '))).toHaveLength(1);
      expect(transcript.filter((e) => e.dir === 'i' && e.line.startsWith('connecting to'))).toHaveLength(2);
      expect(JSON.stringify(transcript)).not.toContain(stale.split('.')[2]);
      expect(JSON.stringify(transcript)).not.toContain(fresh.split('.')[2]);
    });
  }

  it('auth.oauth2: the refresh-token grant at a local HTTPS endpoint gives a token Dovecot accepts', async () => {
    const token = uniqueToken('oauth-grant');
    let grants = 0;
    const endpoint = https.createServer({ key: TEST_PRIVATE_KEY, cert: TEST_CERTIFICATE }, (req, res) => {
      req.resume();
      req.on('end', () => {
        grants += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: jwt(600, `${token}-${grants}`), token_type: 'Bearer', expires_in: 600 }));
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const port = (endpoint.address() as { port: number }).port;
    try {
      const transcript: TranscriptEntry[] = [];
      const oauth2 = { tokenUrl: `https://127.0.0.1:${port}/token`, clientId: 'mw', clientSecret: 'cs-interop-secret', refreshToken: 'rt-interop-secret', ca: TEST_CERTIFICATE };
      await sendAndFind(config({ user: USER, oauth2 }, transcript), token);
      expect(grants).toBe(1);
      expect(transcript.some((e) => e.dir === 'C' && e.line.startsWith('AUTH OAUTHBEARER'))).toBe(true);
      expect(JSON.stringify(transcript)).not.toMatch(/interop-secret/);
    } finally {
      endpoint.closeAllConnections();
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    }
  });
});
