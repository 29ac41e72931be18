/**
 * OAuth2 that renews itself, against smtp-server's XOAUTH2 (an independent implementation) that accepts
 * only the current token, and a local HTTPS token endpoint (node:https with the test certificate).
 */
import https from 'node:https';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type SmtpTransport } from '../../src/transport/transport.js';
import { SmtpConnection } from '../../src/connection/smtp-connection.js';
import type { TransportConfig } from '../../src/transport/config.js';
import type { TranscriptEntry } from '../../src/connection/transcript.js';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { rejection } from '../helpers/expect-error.js';

const USER = 'alice@example.com';
const CLIENT_SECRET = 'cs-SECRET-8d1f2';
const REFRESH_TOKEN = 'rt-SECRET-77ab0';

let peer: SmtpServerPeer | undefined;
let endpoint: TokenEndpoint | undefined;
let transport: SmtpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await peer?.close();
  await endpoint?.close();
  transport = peer = endpoint = undefined;
});

/** An XOAUTH2 server whose one valid token for USER is `tokens[USER]` (the test changes it). */
async function xoauthPeer(tokens: Record<string, string>): Promise<SmtpServerPeer> {
  peer = await startSmtpServerPeer({ tokens, authMethods: ['XOAUTH2'] });
  return peer;
}

function config(port: number, auth: TransportConfig['auth'], more: Partial<TransportConfig> = {}): TransportConfig {
  return {
    host: '127.0.0.1',
    port,
    security: 'starttls',
    tls: { ca: TEST_CERTIFICATE },
    clientName: 'client.test',
    auth,
    retry: { attempts: 1 },
    timeouts: { connectMs: 3_000, greetingMs: 3_000, commandMs: 3_000 },
    ...more,
  };
}

const message = { from: USER, to: ['bob@example.com'], subject: 'oauth', text: 'hello' };

interface TokenEndpoint {
  url: string;
  /** Parsed form of every request. */
  requests: Array<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * A token endpoint on 127.0.0.1 over HTTPS. `answer(n)` gives the n-th (1-based) response; it may hold the
 * answer back until `release` resolves, so a test can see requests pile up (or not) behind one in flight.
 */
async function tokenEndpoint(answer: (n: number) => { status?: number; json: unknown; release?: Promise<void> }): Promise<TokenEndpoint> {
  const requests: Array<Record<string, string>> = [];
  const server = https.createServer({ key: TEST_PRIVATE_KEY, cert: TEST_CERTIFICATE }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', type: String(req.headers['content-type']), ...Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()).entries()) });
      const { status = 200, json, release } = answer(requests.length);
      void (release ?? Promise.resolve()).then(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  endpoint = {
    url: `https://127.0.0.1:${address.port}/oauth2/token`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  return endpoint;
}

/** Everything a caller could print: message, JSON, inspect (with cause), stack, and the transcript. */
function printable(error: unknown, transcript: TranscriptEntry[] = []): string {
  return [String((error as Error).message), JSON.stringify(error), inspect(error, { depth: 5 }), String((error as Error).stack), JSON.stringify(transcript)].join('\n');
}

describe('getAccessToken({ refresh })', () => {
  it('renews a refused token once and authenticates again on a fresh connection', async () => {
    const tokens = { [USER]: 'fresh-token-2' };
    const server = await xoauthPeer(tokens);
    const calls: unknown[] = [];
    const transcript: TranscriptEntry[] = [];
    transport = createTransport(
      config(server.port, { user: USER, getAccessToken: async (request) => (calls.push(request), request.refresh ? 'fresh-token-2' : 'stale-token-1') }, { onTranscript: (e) => transcript.push(e) }),
    );
    const info = await transport.send(message);
    expect(info.accepted).toEqual(['bob@example.com']);
    expect(calls).toEqual([{ refresh: false }, { refresh: true }]);
    expect(server.auths.map((a) => [a.method, a.ok])).toEqual([['XOAUTH2', false], ['XOAUTH2', true]]);
    // Two sessions: the refused one was closed, the message went through the second.
    expect(new Set(server.auths.map((a) => a.sessionId)).size).toBe(2);
    expect(server.messages[0]?.sessionId).toBe(server.auths[1]?.sessionId);
    expect(transcript.some((e) => e.dir === 'i' && /renewing it once/.test(e.line))).toBe(true);
    expect(JSON.stringify(transcript)).not.toMatch(/stale-token-1|fresh-token-2/);
  });

  it('never loops: a second refusal is EAUTH with a hint, after exactly two attempts', async () => {
    const server = await xoauthPeer({ [USER]: 'the-only-good-token' });
    const calls: unknown[] = [];
    transport = createTransport(config(server.port, { user: USER, getAccessToken: async (request) => (calls.push(request), `bad-token-${calls.length}`) }));
    const error = await rejection(transport.send(message));
    expect(error.code).toBe('EAUTH');
    expect(error.delivery).toBe('none');
    expect(error.hint).toMatch(/scope/);
    expect(error.message).toMatch(/freshly refreshed token was refused too/);
    expect(calls).toEqual([{ refresh: false }, { refresh: true }]);
    expect(server.auths).toHaveLength(2);
    expect(printable(error)).not.toMatch(/bad-token/);
  });

  it("gives the token hint, not a preset's app-password hint, when a refreshed token is refused", async () => {
    const server = await xoauthPeer({ [USER]: 'the-only-good-token' });
    transport = createTransport(config(server.port, { user: USER, getAccessToken: async () => 'never-good' }, { provider: 'gmail' }));
    const error = await rejection(transport.send(message));
    expect(error.hint).toMatch(/https:\/\/mail\.google\.com\//);
    expect(error.message).not.toMatch(/app password/);
  });

  it('a bare SmtpConnection with auth.oauth2 says the transport runs it (ECONFIG)', async () => {
    const server = await xoauthPeer({ [USER]: 'x' });
    const conn = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'none', auth: { user: USER, oauth2: { provider: 'google', clientId: 'c', refreshToken: 'r' } } });
    const error = await rejection(conn.open());
    conn.close();
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toMatch(/createTransport/);
  });

  it('keeps old callers working: a getAccessToken that takes no argument', async () => {
    const server = await xoauthPeer({ [USER]: 'tok-A' });
    let calls = 0;
    const getAccessToken = async (): Promise<string> => {
      calls += 1;
      return 'tok-A';
    };
    transport = createTransport(config(server.port, { user: USER, method: 'xoauth2', getAccessToken }));
    await transport.send(message);
    expect(calls).toBe(1);
  });

  it('does not refresh when the token source itself fails', async () => {
    const server = await xoauthPeer({ [USER]: 'x' });
    let calls = 0;
    transport = createTransport(config(server.port, { user: USER, getAccessToken: async () => { calls += 1; throw new Error('vault down'); } }));
    const error = await rejection(transport.send(message));
    expect(error.code).toBe('EAUTH');
    expect(calls).toBe(1);
    expect(server.auths).toHaveLength(0);
  });
});

describe('oauth2: the refresh-token grant run by mailwire', () => {
  const oauth = (url: string, more: object = {}): NonNullable<TransportConfig['auth']> => ({
    user: USER,
    oauth2: { tokenUrl: url, clientId: 'client-1', clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN, scope: 'https://mail.example/', ca: TEST_CERTIFICATE, ...more },
  });

  it('posts the grant, caches the token across sends, and shares one request among connections', async () => {
    const tokens = { [USER]: 'at-SECRET-1' };
    const server = await xoauthPeer(tokens);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ep = await tokenEndpoint((n) => ({ json: { access_token: `at-SECRET-${n}`, token_type: 'Bearer', expires_in: 3600 }, release: n === 1 ? held : undefined }));
    transport = createTransport(config(server.port, oauth(ep.url), { pool: { maxConnections: 3 } }));
    const sends = [1, 2, 3, 4, 5].map(() => transport!.send(message));
    // Let every connection reach AUTH before the first answer arrives.
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await Promise.all(sends);
    expect(ep.requests).toHaveLength(1);
    expect(ep.requests[0]).toEqual({
      method: 'POST',
      path: '/oauth2/token',
      type: 'application/x-www-form-urlencoded',
      grant_type: 'refresh_token',
      refresh_token: REFRESH_TOKEN,
      client_id: 'client-1',
      client_secret: CLIENT_SECRET,
      scope: 'https://mail.example/',
    });
    expect(server.auths.every((a) => a.ok)).toBe(true);
    expect(server.messages).toHaveLength(5);
  });

  it('renews when the server refuses the cached token, and uses a rotated refresh token next time', async () => {
    const tokens = { [USER]: 'at-SECRET-1' };
    const server = await xoauthPeer(tokens);
    const ep = await tokenEndpoint((n) => ({ json: { access_token: `at-SECRET-${n}`, expires_in: 3600, refresh_token: `rt-SECRET-rotated-${n}` } }));
    transport = createTransport(config(server.port, oauth(ep.url), { pool: { maxConnections: 1, maxMessagesPerConnection: 1 } }));
    await transport.send(message);
    tokens[USER] = 'at-SECRET-2'; // the server revokes the first token
    await transport.send(message);
    expect(ep.requests.map((r) => r.refresh_token)).toEqual([REFRESH_TOKEN, 'rt-SECRET-rotated-1']);
    expect(server.auths.map((a) => a.ok)).toEqual([true, false, true]);
  });

  it('asks again when the token expires within the margin (expires_in below 60 s)', async () => {
    const server = await xoauthPeer({ [USER]: 'same' });
    const ep = await tokenEndpoint(() => ({ json: { access_token: 'same', expires_in: 30 } }));
    transport = createTransport(config(server.port, oauth(ep.url), { pool: { maxConnections: 1, maxMessagesPerConnection: 1 } }));
    await transport.send(message);
    await transport.send(message);
    expect(ep.requests).toHaveLength(2);
  });

  it('reports an endpoint refusal as EAUTH without any secret, even when the endpoint echoes them', async () => {
    const server = await xoauthPeer({ [USER]: 'x' });
    const ep = await tokenEndpoint(() => ({ status: 400, json: { error: 'invalid_grant', error_description: `Token ${REFRESH_TOKEN} has been expired or revoked (client ${CLIENT_SECRET}).` } }));
    const transcript: TranscriptEntry[] = [];
    transport = createTransport(config(server.port, oauth(ep.url), { onTranscript: (e) => transcript.push(e) }));
    const error = await rejection(transport.send(message));
    expect(error.code).toBe('EAUTH');
    expect(error.message).toMatch(/https:\/\/127\.0\.0\.1:\d+\/oauth2\/token failed: HTTP 400: invalid_grant \(Token \[redacted\] has been expired/);
    const all = printable(error, transcript);
    for (const secret of [REFRESH_TOKEN, CLIENT_SECRET]) expect(all).not.toContain(secret);
    expect(ep.requests).toHaveLength(1);
    expect(server.auths).toHaveLength(0);
  });

  it('checks the endpoint certificate: without the ca it refuses, naming the cause, not a secret', async () => {
    const server = await xoauthPeer({ [USER]: 'x' });
    const ep = await tokenEndpoint(() => ({ json: { access_token: 'x', expires_in: 3600 } }));
    transport = createTransport(config(server.port, { user: USER, oauth2: { tokenUrl: ep.url, clientId: 'c', clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN } }));
    const error = await rejection(transport.send(message));
    expect(error.code).toBe('EAUTH');
    expect(error.message).toMatch(/SELF_SIGNED|CERT|verify/i);
    expect(ep.requests).toHaveLength(0);
    const all = printable(error);
    for (const secret of [REFRESH_TOKEN, CLIENT_SECRET]) expect(all).not.toContain(secret);
  });

  it('never leaks the access token, client secret or refresh token when the server refuses twice', async () => {
    const server = await xoauthPeer({ [USER]: 'nothing-matches' });
    const ep = await tokenEndpoint((n) => ({ json: { access_token: `at-SECRET-${n}`, expires_in: 3600 } }));
    const transcript: TranscriptEntry[] = [];
    transport = createTransport(config(server.port, oauth(ep.url), { onTranscript: (e) => transcript.push(e) }));
    const error = await rejection(transport.send(message));
    expect(error.code).toBe('EAUTH');
    expect(ep.requests).toHaveLength(2);
    const all = printable(error, transcript) + inspect(transport.configs.map((c) => c.host));
    for (const secret of [REFRESH_TOKEN, CLIENT_SECRET, 'at-SECRET-1', 'at-SECRET-2']) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(Buffer.from(secret).toString('base64'));
    }
  });
});

describe('oauth2 configuration', () => {
  const base = { clientId: 'c', refreshToken: 'r' };
  const resolved = (cfg: TransportConfig): string | undefined => createTransport(cfg).configs[0]?.oauth2?.tokenUrl.href;
  it('fills the token endpoint from oauth2.provider or from the transport preset', () => {
    expect(resolved({ host: 'h', auth: { user: 'u', oauth2: { ...base, provider: 'google' } } })).toBe('https://oauth2.googleapis.com/token');
    expect(resolved({ host: 'h', auth: { user: 'u', oauth2: { ...base, provider: 'microsoft', tenant: 'contoso.onmicrosoft.com' } } })).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    );
    expect(resolved({ provider: 'office365', auth: { user: 'u', oauth2: base } })).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token');
    expect(resolved({ provider: 'gmail', auth: { user: 'u', oauth2: base } })).toBe('https://oauth2.googleapis.com/token');
    expect(createTransport({ provider: 'outlook', auth: { user: 'u', oauth2: base } }).configs[0]?.oauth2?.scope).toBe('https://outlook.office.com/SMTP.Send offline_access');
  });
  it('refuses http:, missing fields, and mixing with a password (ECONFIG)', async () => {
    const bad: Array<TransportConfig['auth']> = [
      { user: 'u', oauth2: { ...base, tokenUrl: 'http://127.0.0.1/token' } },
      { user: 'u', oauth2: { ...base } },
      { user: 'u', oauth2: { clientId: 'c', refreshToken: '', provider: 'google' } },
      { user: 'u', pass: 'p', oauth2: { ...base, provider: 'google' } },
      { user: 'u', oauth2: { ...base, provider: 'google', tenant: 'x' } },
    ];
    for (const auth of bad) expect((await rejection(() => createTransport({ host: 'h', auth }))).code).toBe('ECONFIG');
    expect((await rejection(() => createTransport({ host: 'h', auth: { user: 'u', oauth2: { ...base, tokenUrl: 'http://x/t' } } }))).message).toMatch(/https:/);
  });
});
