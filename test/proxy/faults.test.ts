/**
 * Proxies that misbehave, scripted byte by byte: closing mid-handshake, refusing, staying silent, answering
 * with the server's greeting in the same packet; and the destination guards, which apply to the mail
 * server behind the proxy (with an injected resolver: nothing here connects anywhere but 127.0.0.1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import tls from 'node:tls';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';
import { createProxyConnector } from '../../src/proxy/index.js';
import { SmtpConnection } from '../../src/connection/smtp-connection.js';
import { createTransport } from '../../src/transport/transport.js';
import { startScriptedProxy, type TestProxy } from '../helpers/test-proxies.js';
import { rejection } from '../helpers/expect-error.js';

const open: TestProxy[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function scripted(scheme: string, script: (socket: net.Socket, received: () => Buffer) => void): Promise<TestProxy> {
  const proxy = await startScriptedProxy(scheme, script);
  open.push(proxy);
  return proxy;
}

/** Runs `then` once the proxy has received at least n bytes. */
function after(socket: net.Socket, received: () => Buffer, n: number, then: () => void): void {
  const check = (): void => {
    if (received().length < n) return;
    socket.off('data', check);
    then();
  };
  socket.on('data', check);
}

const connect = (url: string, extra: Partial<Parameters<ReturnType<typeof createProxyConnector>>[0]> = {}) =>
  createProxyConnector(url, { resolver: async () => [{ address: '127.0.0.1', family: 4 }] })({
    host: 'mail.example',
    port: 587,
    implicitTls: false,
    tls: {},
    timeoutMs: 5_000,
    ...extra,
  });

describe('proxies that fail', () => {
  it('a SOCKS5 proxy that closes after the method selection', async () => {
    const p = await scripted('socks5', (s, got) => after(s, got, 3, () => s.write(Buffer.of(5, 0), () => after(s, got, 3 + 7, () => s.end()))));
    const error = await rejection(connect(`socks5h://127.0.0.1:${p.port}`));
    expect(error).toMatchObject({ code: 'ECONNECTION', phase: 'connect', transient: true });
    expect(error.message).toBe(`Proxy socks5h://127.0.0.1:${p.port} closed the connection while the client was waiting for the SOCKS5 connect reply`);
  });

  it('a SOCKS5 proxy that closes in the middle of its reply (after 5 of 10 bytes)', async () => {
    const p = await scripted('socks5', (s, got) => after(s, got, 3, () => s.write(Buffer.of(5, 0), () => after(s, got, 13, () => s.end(Buffer.of(5, 0, 0, 1, 127))))));
    const error = await rejection(connect(`socks5://127.0.0.1:${p.port}`));
    expect(error.message).toContain('closed the connection while the client was waiting for the SOCKS5 connect reply');
  });

  it('a SOCKS5 refusal (reply 5) that closes at once is still reported as the refusal', async () => {
    const p = await scripted('socks5', (s, got) => after(s, got, 3, () => s.write(Buffer.of(5, 0), () => after(s, got, 13, () => s.end(Buffer.of(5, 5))))));
    const error = await rejection(connect(`socks5://127.0.0.1:${p.port}`));
    expect(error).toMatchObject({ code: 'ECONNECTION', transient: true });
    expect(error.message).toBe(`Proxy socks5://127.0.0.1:${p.port} did not open the tunnel: SOCKS reply 5 (connection refused) for 127.0.0.1:587`);
  });

  it.each([
    ['HTTP/1.1 407 Proxy Authentication Required', false],
    ['HTTP/1.1 403 Forbidden', false],
    ['HTTP/1.1 502 Bad Gateway', true],
  ])('HTTP "%s"', async (status, transient) => {
    const p = await scripted('http', (s, got) => after(s, got, 10, () => s.end(`${status}\r\nContent-Length: 0\r\n\r\n`)));
    const error = await rejection(connect(`http://u:Hidden-Pass@127.0.0.1:${p.port}`));
    expect(error).toMatchObject({ code: 'ECONNECTION', phase: 'connect', transient });
    expect(error.message).toContain(`Proxy http://127.0.0.1:${p.port} did not open the tunnel: "${status}"`);
    expect(error.message).not.toContain('Hidden');
  });

  it('an HTTP proxy that closes before the end of its answer head', async () => {
    const p = await scripted('http', (s, got) => after(s, got, 10, () => s.end('HTTP/1.1 200 Connection est')));
    const error = await rejection(connect(`http://127.0.0.1:${p.port}`));
    expect(error.message).toBe(`Proxy http://127.0.0.1:${p.port} closed the connection while the client was waiting for the HTTP proxy's answer to CONNECT`);
  });

  it('a silent proxy: ETIMEDOUT naming the proxy and what was awaited (the connect timeout covers the handshake)', async () => {
    const p = await scripted('socks5', () => undefined);
    const error = await rejection(connect(`socks5://127.0.0.1:${p.port}`, { timeoutMs: 150 }));
    expect(error).toMatchObject({ code: 'ETIMEDOUT', phase: 'connect', transient: true });
    expect(error.message).toBe(`Connection to mail.example:587 through proxy socks5://127.0.0.1:${p.port} timed out after 150 ms (waiting for the SOCKS5 method selection)`);
  });

  it('a proxy nobody listens on: ECONNECTION naming it', async () => {
    const p = await scripted('socks5', () => undefined);
    await p.close();
    const error = await rejection(connect(`socks5://u:Hidden-Pass@127.0.0.1:${p.port}`));
    expect(error.message).toBe(`Could not connect to proxy socks5://127.0.0.1:${p.port}: ECONNREFUSED`);
  });

  it('an abort during the handshake: EABORT, and the socket is closed', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const p = await scripted('socks5', (s) => s.on('close', closed));
    const controller = new AbortController();
    const pending = connect(`socks5://127.0.0.1:${p.port}`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(pending)).code).toBe('EABORT');
    await gone;
  });

  it("the server's greeting arriving in the same packet as the proxy's 200 reaches the session", async () => {
    const p = await scripted('http', (s, got) =>
      after(s, got, 10, () => {
        s.write('HTTP/1.1 200 OK\r\n\r\n220 tunnel.example ESMTP hello\r\n');
        after(s, got, got().length + 6, () => s.end('250 tunnel.example\r\n'));
      }),
    );
    const conn = new SmtpConnection({ host: 'localhost', port: 25, security: 'none', connector: createProxyConnector(`http://127.0.0.1:${p.port}`) });
    const greeting = await conn.connect();
    expect(greeting.message).toContain('tunnel.example ESMTP hello');
    conn.close();
  });

  it('the proxy resets the tunnel during the implicit TLS handshake: a rejection, not an uncaught error', async () => {
    const p = await scripted('http', (s, got) =>
      after(s, got, 10, () => {
        const head = got().length;
        s.write('HTTP/1.1 200 OK\r\n\r\n');
        after(s, got, head + 5, () => s.resetAndDestroy());
      }),
    );
    const error = await rejection(connect(`http://127.0.0.1:${p.port}`, { implicitTls: true }));
    expect(['ETLS', 'ECONNECTION']).toContain(error.code);
    expect(error.phase).toBe('connect');
  });

  it('the same through an https:// proxy (the tunnel is itself a TLS socket)', async () => {
    const server = tls.createServer({ key: TEST_PRIVATE_KEY, cert: TEST_CERTIFICATE }, (s) => {
      s.on('error', () => undefined);
      let seen = 0;
      s.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (chunk.includes('\r\n\r\n')) s.write('HTTP/1.1 200 OK\r\n\r\n');
        else if (seen > 10) s.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const connector = createProxyConnector(`https://127.0.0.1:${port}`, { tls: { ca: TEST_CERTIFICATE } });
      const error = await rejection(connector({ host: 'localhost', port: 465, implicitTls: true, tls: {}, timeoutMs: 5_000 }));
      expect(['ETLS', 'ECONNECTION']).toContain(error.code);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('implicit TLS through a tunnel that delivers plaintext first is refused', async () => {
    const p = await scripted('http', (s, got) => after(s, got, 10, () => s.write('HTTP/1.1 200 OK\r\n\r\n220 not tls\r\n')));
    const error = await rejection(connect(`http://127.0.0.1:${p.port}`, { implicitTls: true }));
    expect(error.message).toContain('sent plaintext through proxy');
  });
});

describe('destination guards apply to the mail server behind the proxy', () => {
  /** A SOCKS5 proxy that records the connect request and refuses it (reply 2): nothing is ever reached. */
  async function recordingSocks(): Promise<{ proxy: TestProxy; requests: Buffer[] }> {
    const requests: Buffer[] = [];
    const proxy = await scripted('socks5', (s, got) =>
      after(s, got, 3, () =>
        s.write(Buffer.of(5, 0), () =>
          after(s, got, 3 + 10, () => {
            requests.push(got().subarray(3));
            s.end(Buffer.of(5, 2));
          }),
        ),
      ),
    );
    return { proxy, requests };
  }

  it('socks5h with publicAddressesOnly: resolved here, the proxy gets the vetted address, not the name', async () => {
    const { proxy, requests } = await recordingSocks();
    const asked: string[] = [];
    const transport = createTransport({
      host: 'mail.example',
      port: 587,
      security: 'none',
      proxy: `socks5h://127.0.0.1:${proxy.port}`,
      guards: { publicAddressesOnly: true },
      resolver: async (host) => {
        asked.push(host);
        return [{ address: '93.184.216.34', family: 4 }];
      },
      retry: { attempts: 1 },
    });
    const error = await rejection(transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }));
    await transport.close();
    expect(asked).toEqual(['mail.example']);
    expect([...(requests[0] ?? [])]).toEqual([5, 1, 0, 1, 93, 184, 216, 34, 587 >> 8, 587 & 0xff]);
    expect(error.message).toContain('SOCKS reply 2 (connection not allowed by ruleset) for 93.184.216.34:587');
  });

  it('a private address is refused before the proxy is contacted; so is port 25 when not allowed', async () => {
    const { proxy } = await recordingSocks();
    const base = { host: 'mail.example', security: 'none' as const, proxy: `socks5h://127.0.0.1:${proxy.port}`, retry: { attempts: 1 } };
    const privateOne = createTransport({ ...base, port: 587, guards: { publicAddressesOnly: true }, resolver: async () => [{ address: '10.0.0.8', family: 4 as const }] });
    expect((await rejection(privateOne.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }))).code).toBe('EGUARD');
    const port25 = createTransport({ ...base, port: 25, guards: { allowPort25: false } });
    expect((await rejection(port25.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }))).code).toBe('EGUARD');
    await Promise.all([privateOne.close(), port25.close()]);
    expect(proxy.connections).toBe(0);
  });

  it('a loopback proxy does not make a remote server "local": plaintext AUTH to it is refused', async () => {
    const p = await scripted('socks5', (s, got) =>
      after(s, got, 3, () =>
        s.write(Buffer.of(5, 0), () =>
          after(s, got, 3 + 7 + 12, () => {
            s.write(Buffer.of(5, 0, 0, 1, 0, 0, 0, 0, 0, 0));
            s.write('220 x ESMTP\r\n');
            after(s, got, 3 + 7 + 12 + 10, () => s.write('250-x\r\n250 AUTH PLAIN\r\n'));
          }),
        ),
      ),
    );
    const conn = new SmtpConnection({
      host: 'mail.example',
      port: 587,
      security: 'none',
      clientName: 'client.test',
      auth: { user: 'u', pass: 'p' },
      connector: createProxyConnector(`socks5h://127.0.0.1:${p.port}`),
    });
    const error = await rejection(conn.open());
    expect(error.code).toBe('EAUTH');
    conn.close();
  });
});
