// mailwire through real proxies to the interop Postfix: Dante (SOCKS5, with and without RFC 1929
// username/password) and tinyproxy (HTTP CONNECT, with and without Basic auth), started by
// servers.d/proxies-up.sh. Plain (5525), STARTTLS with AUTH (5587) and implicit TLS with AUTH (5465)
// through each; the message must reach Postfix's Maildir, TLS must be the mail server's (its
// certificate, checked against the test CA), and proxy errors must name the proxy, never its password.
import { afterAll, describe, expect, it } from 'vitest';
import { createTransport, SmtpError, type Security, type TranscriptEntry } from '../../src/index.js';
import { removeMessages, requireServers, uniqueToken, waitForPostfix, type PostfixDelivery } from './harness.js';
import { readEnvFile } from './env-file.js';

const servers = requireServers();
const env = readEnvFile('proxies');
const consumed: PostfixDelivery[] = [];
afterAll(() => removeMessages(consumed));

const USER = env['MW_PROXY_USER'] ?? '';
const PASS = env['MW_PROXY_PASS'] ?? '';
const at = (scheme: string, port: string | undefined, creds?: string): string => `${scheme}://${creds ? `${creds}@` : ''}127.0.0.1:${port ?? '0'}`;
const good = `${encodeURIComponent(USER)}:${encodeURIComponent(PASS)}`;
const PROXIES: Array<[string, string]> = [
  ['Dante socks5', at('socks5', env['MW_PROXY_SOCKS'])],
  ['Dante socks5h', at('socks5h', env['MW_PROXY_SOCKS'])],
  ['Dante socks5 + username/password', at('socks5', env['MW_PROXY_SOCKS_AUTH'], good)],
  ['tinyproxy http', at('http', env['MW_PROXY_HTTP'])],
  ['tinyproxy http + Basic auth', at('http', env['MW_PROXY_HTTP_AUTH'], good)],
];
const MODES: Array<[string, number, Security, boolean]> = [
  ['plain', servers.ports.postfix, 'none', false],
  ['STARTTLS + AUTH', servers.ports.submission, 'starttls', true],
  ['implicit TLS + AUTH', servers.ports.smtps, 'tls', true],
];

async function sendVia(proxy: string, port: number, security: Security, withAuth: boolean, token: string): Promise<{ transcript: TranscriptEntry[]; response: string }> {
  const transcript: TranscriptEntry[] = [];
  const transport = createTransport({
    // "localhost": resolved here for socks5, by the proxy for socks5h and HTTP; the certificate names it.
    host: 'localhost',
    port,
    security,
    proxy,
    resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    tls: { ca: servers.tls.caPem },
    clientName: 'client.test',
    ...(withAuth ? { auth: { user: servers.auth.user, pass: servers.auth.pass } } : {}),
    retry: { attempts: 1 },
    onTranscript: (e) => transcript.push(e),
  });
  try {
    const info = await transport.send({ from: 'sender@example.com', to: 'proxy-rcpt@example.com', subject: token, text: `through ${token}` });
    return { transcript, response: info.response };
  } catch (error) {
    throw Object.assign(error as Error, { transcript });
  } finally {
    await transport.close();
  }
}

describe('through each real proxy, each security mode, to Postfix', () => {
  for (const [proxyName, proxy] of PROXIES) {
    for (const [modeName, port, security, withAuth] of MODES) {
      it(`${proxyName}: ${modeName}`, async () => {
        const token = uniqueToken('proxy');
        const { transcript } = await sendVia(proxy, port, security, withAuth, token);
        const [delivery] = await waitForPostfix(servers, token);
        if (delivery) consumed.push(delivery);
        expect(delivery?.message.toString('latin1')).toContain(`through ${token}`);
        if (security !== 'none') {
          // Postfix's Received header says TLS was used end to end, with the mail server's certificate.
          expect(delivery?.received).toMatch(/using TLSv1\.[23]/);
          expect(transcript.some((e) => e.dir === 'i' && /TLS established/.test(e.line)) || security === 'tls').toBe(true);
        }
        expect(JSON.stringify(transcript)).not.toContain(PASS);
      });
    }
  }
});

describe('proxy refusals from the real proxies', () => {
  const wrong = `${encodeURIComponent(USER)}:Wrong-${encodeURIComponent(PASS)}`;
  it.each([
    ['Dante, wrong password', at('socks5', env['MW_PROXY_SOCKS_AUTH'], wrong), /rejected the username\/password \(RFC 1929 status \d+\)/],
    ['Dante, no credentials', at('socks5', env['MW_PROXY_SOCKS_AUTH']), /accepts none of the offered authentication methods/],
    // tinyproxy answers 401 (not 407) when its BasicAuth fails; the client reads both the same way.
    ['tinyproxy, wrong password', at('http', env['MW_PROXY_HTTP_AUTH'], wrong), /"HTTP\/1\.[01] 40[17] [^"]*": the proxy refused the credentials/],
    ['tinyproxy, no credentials', at('http', env['MW_PROXY_HTTP_AUTH']), /"HTTP\/1\.[01] 40[17] [^"]*": the proxy wants credentials/],
  ])('%s: ECONNECTION naming the proxy and its answer, no password anywhere', async (_name, proxy, reply) => {
    let caught: unknown;
    try {
      await sendVia(proxy, servers.ports.postfix, 'none', false, uniqueToken('refused'));
    } catch (error) {
      caught = error;
    }
    expect(SmtpError.is(caught)).toBe(true);
    const error = caught as SmtpError & { transcript: TranscriptEntry[] };
    expect(error).toMatchObject({ code: 'ECONNECTION', phase: 'connect', transient: false });
    expect(error.message).toContain(`Proxy ${proxy.replace(/\/\/[^@]*@/, '//')} did not open the tunnel`);
    expect(error.message).toMatch(reply);
    const everything = `${error.message}\n${String(error.stack)}\n${JSON.stringify(error)}\n${JSON.stringify(error.transcript)}`;
    expect(everything).not.toContain(PASS);
  });

  it('Dante refuses a destination outside 127.0.0.1/32 by its rules (127.0.0.2, never reached)', async () => {
    let caught: unknown;
    try {
      const transport = createTransport({ host: '127.0.0.2', port: servers.ports.postfix, security: 'none', proxy: at('socks5', env['MW_PROXY_SOCKS']), retry: { attempts: 1 } });
      await transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }).finally(() => transport.close());
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toMatch(/SOCKS reply 2 \(connection not allowed by ruleset\) for 127\.0\.0\.2:/);
  });

  it.each([
    ['Dante (socks5h)', () => at('socks5h', env['MW_PROXY_SOCKS']), /SOCKS reply \d \([a-z ]+\) for mail\.example:/],
    ['tinyproxy', () => at('http', env['MW_PROXY_HTTP']), /"HTTP\/1\.[01] 403 Filtered"/],
  ])('%s refuses a name other than localhost (it resolves from /etc/hosts only, never DNS)', async (_name, proxy, reply) => {
    let caught: unknown;
    try {
      const transport = createTransport({ host: 'mail.example', port: servers.ports.postfix, security: 'none', proxy: proxy(), retry: { attempts: 1 } });
      await transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }).finally(() => transport.close());
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toMatch(reply);
  });

  it('tinyproxy refuses a port that is not a Postfix port', async () => {
    let caught: unknown;
    try {
      const transport = createTransport({ host: '127.0.0.1', port: servers.ports.sink, security: 'none', proxy: at('http', env['MW_PROXY_HTTP']), retry: { attempts: 1 } });
      await transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }).finally(() => transport.close());
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toMatch(/"HTTP\/1\.[01] 403 /);
  });
});
