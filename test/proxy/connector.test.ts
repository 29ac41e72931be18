/**
 * The proxy connector end to end, through test proxies (test/helpers/test-proxies.ts) to smtp-server:
 * plain, STARTTLS and implicit TLS through SOCKS5, SOCKS5h, HTTP CONNECT and an https:// proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/transport.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { startHttpProxy, startSocks5Proxy, type TestProxy } from '../helpers/test-proxies.js';
import { rejection } from '../helpers/expect-error.js';
import type { TranscriptEntry } from '../../src/connection/transcript.js';

const USERS = { tester: 'peer-pass' };
const PROXY_USERS = { puser: 'Pr0xy-Secret!' };
let plain: SmtpServerPeer;
let implicit: SmtpServerPeer;
const proxies: TestProxy[] = [];
let socks: TestProxy;
let socksAuth: TestProxy;
let http: TestProxy;
let httpAuth: TestProxy;
let https: TestProxy;

beforeAll(async () => {
  plain = await startSmtpServerPeer({ users: USERS });
  implicit = await startSmtpServerPeer({ users: USERS, implicitTls: true });
  socks = await startSocks5Proxy();
  socksAuth = await startSocks5Proxy({ users: PROXY_USERS });
  http = await startHttpProxy();
  httpAuth = await startHttpProxy({ users: PROXY_USERS });
  https = await startHttpProxy({ tls: true });
  proxies.push(socks, socksAuth, http, httpAuth, https);
});
afterAll(async () => {
  await Promise.all([plain.close(), implicit.close(), ...proxies.map((p) => p.close())]);
});

const withCreds = (p: TestProxy, user: string, pass: string): string => p.url.replace('://', `://${user}:${encodeURIComponent(pass)}@`);
/** Resolves "localhost" to 127.0.0.1 without DNS, and records what it was asked. */
const asked: string[] = [];
const resolver = async (host: string): Promise<Array<{ address: string; family: 4 | 6 }>> => {
  asked.push(host);
  return [{ address: '127.0.0.1', family: 4 }];
};

async function sendThrough(proxy: string, peer: SmtpServerPeer, security: 'starttls' | 'tls' | 'none', extra: Record<string, unknown> = {}): Promise<{ response: string; transcript: string }> {
  const lines: string[] = [];
  const transport = createTransport({
    host: 'localhost',
    port: peer.port,
    security,
    proxy,
    resolver,
    tls: { ca: TEST_CERTIFICATE },
    auth: { user: 'tester', pass: 'peer-pass' },
    clientName: 'client.test',
    retry: { attempts: 1 },
    onTranscript: (e: TranscriptEntry) => lines.push(JSON.stringify(e)),
    ...extra,
  });
  try {
    const info = await transport.send({ from: 'a@example.com', to: 'b@example.com', subject: 'via proxy', text: 'hello' });
    return { response: info.response, transcript: lines.join('\n') };
  } catch (error) {
    Object.assign(error as object, { transcript: lines.join('\n') });
    throw error;
  } finally {
    await transport.close();
  }
}

describe('through each kind of proxy, each kind of TLS', () => {
  const cases = [
    ['socks5', () => socks.url],
    ['socks5h', () => socks.url.replace('socks5:', 'socks5h:')],
    ['socks5 with credentials', () => withCreds(socksAuth, 'puser', PROXY_USERS.puser)],
    ['http', () => http.url],
    ['http with credentials', () => withCreds(httpAuth, 'puser', PROXY_USERS.puser)],
    ['https', () => https.url],
  ] as const;
  for (const [name, url] of cases) {
    it(`${name}: STARTTLS and implicit TLS reach the server, TLS checked against the server's name`, async () => {
      const before = plain.messages.length + implicit.messages.length;
      const extra = name === 'https' ? { proxyTls: { ca: TEST_CERTIFICATE } } : {};
      await sendThrough(url(), plain, 'starttls', extra);
      await sendThrough(url(), implicit, 'tls', extra);
      expect(plain.messages.length + implicit.messages.length).toBe(before + 2);
      const last = [plain.mails[plain.mails.length - 1], implicit.mails[implicit.mails.length - 1]];
      for (const mail of last) {
        expect(mail?.secure).toBe(true);
        expect(mail?.servername).toBe('localhost'); // SNI is the mail server's, not the proxy's
      }
    });
  }

  it('socks5 resolves locally and sends an IPv4 address; socks5h sends the name', async () => {
    const before = socks.requests.length;
    await sendThrough(socks.url, plain, 'starttls');
    await sendThrough(socks.url.replace('socks5:', 'socks5h:'), plain, 'starttls');
    expect(socks.requests.slice(before).map((r) => [r.atyp, r.host])).toEqual([
      [1, '127.0.0.1'],
      [3, 'localhost'],
    ]);
  });

  it('the proxy credentials reach the proxy and appear in no transcript', async () => {
    const before = httpAuth.requests.length;
    const { transcript } = await sendThrough(withCreds(httpAuth, 'puser', PROXY_USERS.puser), plain, 'starttls');
    expect(httpAuth.requests[before]).toMatchObject({ user: 'puser', pass: PROXY_USERS.puser });
    expect(transcript).not.toContain('Pr0xy');
    expect(transcript).not.toContain(Buffer.from(`puser:${PROXY_USERS.puser}`).toString('base64'));
  });
});

describe('proxy errors name the proxy and the reply, never the password', () => {
  it.each([
    ['socks5', () => withCreds(socksAuth, 'puser', 'Wr0ng-Secret!'), 'RFC 1929 status 1'],
    ['http', () => withCreds(httpAuth, 'puser', 'Wr0ng-Secret!'), '"HTTP/1.1 407 Proxy Authentication Required": the proxy refused the credentials'],
  ])('%s: wrong credentials', async (_name, url, reply) => {
    const error = await rejection(sendThrough(url(), plain, 'starttls'));
    const proxy = url().replace(/\/\/[^@]*@/, '//');
    expect(error).toMatchObject({ code: 'ECONNECTION', phase: 'connect', transient: false });
    expect(error.message).toContain(proxy);
    expect(error.message).toContain(reply);
    const everything = `${error.message}\n${String((error as { transcript?: string }).transcript)}\n${JSON.stringify(error)}\n${String(error.stack)}`;
    expect(everything).not.toContain('Wr0ng');
  });

  it('socks5 with no credentials to a proxy that wants them', async () => {
    const error = await rejection(sendThrough(socksAuth.url, plain, 'starttls'));
    expect(error.message).toContain(`Proxy ${socksAuth.url} did not open the tunnel: the proxy accepts none of the offered authentication methods`);
  });

  it('a destination the proxy refuses: SOCKS reply 2 / HTTP 403, with the target', async () => {
    const s = await rejection(sendThrough(socks.url.replace('socks5:', 'socks5h:'), plain, 'none', { host: 'mail.example' }));
    expect(s.message).toBe(`Proxy ${socks.url.replace('socks5:', 'socks5h:')} did not open the tunnel: SOCKS reply 2 (connection not allowed by ruleset) for mail.example:${plain.port}`);
    const h = await rejection(sendThrough(http.url, plain, 'none', { host: 'mail.example' }));
    expect(h.message).toBe(`Proxy ${http.url} did not open the tunnel: "HTTP/1.1 403 Forbidden": the proxy does not allow this destination`);
  });

  it("an https:// proxy whose certificate is not trusted: ECONNECTION naming the proxy and proxyTls", async () => {
    const error = await rejection(sendThrough(https.url, plain, 'starttls'));
    expect(error.code).toBe('ECONNECTION');
    expect(error.message).toContain(`TLS to proxy ${https.url} failed`);
    expect(error.message).toContain('proxyTls');
  });

  it('proxy and connector together, proxyTls alone, and a bad URL are ECONFIG at createTransport', () => {
    expect(() => createTransport({ host: 'h.example', proxy: 'socks5://127.0.0.1:1', connector: async () => Promise.reject(new Error('x')) })).toThrow(/cannot both be set/);
    expect(() => createTransport({ host: 'h.example', proxyTls: {} })).toThrow(/proxyTls is set/);
    expect(() => createTransport({ host: 'h.example', proxy: 'gopher://u:Secret@h:1' })).toThrow(/scheme "gopher"/);
  });
});
