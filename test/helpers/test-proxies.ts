/**
 * Small SOCKS5 and HTTP CONNECT proxies for tests, written from RFC 1928/1929 and RFC 9110 (not from our
 * client code), listening on 127.0.0.1. They forward ONLY to 127.0.0.1 (a request for "localhost" or any
 * 127.x address); every other destination is refused without a connection (SOCKS reply 2, HTTP 403), so a
 * test can see what the client asked for without anything leaving the machine.
 */
import net from 'node:net';
import tls from 'node:tls';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';

export interface ProxyRequest {
  /** As the client sent it: an IP literal or a host name. */
  host: string;
  port: number;
  /** SOCKS ATYP (1, 3, 4) or 0 for HTTP. */
  atyp: number;
  user?: string;
  pass?: string;
  /** The raw request head (HTTP) for checks. */
  head?: string;
}

export interface TestProxy {
  readonly port: number;
  readonly url: string;
  readonly requests: ProxyRequest[];
  /** Connections accepted (even those that never finished a handshake). */
  readonly connections: number;
  close(): Promise<void>;
}

interface Common {
  /** user -> password; when set, the proxy requires credentials. */
  users?: Record<string, string>;
}

const loopbackTarget = (host: string): boolean => host === 'localhost' || host.startsWith('127.');

/** Reads exactly n bytes (or resolves undefined when the client goes away). */
function reader(socket: net.Socket): (n: number) => Promise<Buffer | undefined> {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  return async (n) => {
    while (buffered.length < n && !ended) await new Promise<void>((r) => (wake = r));
    if (buffered.length < n) return undefined;
    const out = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return out;
  };
}

function splice(client: net.Socket, port: number, firstReply: Buffer | (() => Buffer), onFail: () => void): void {
  const upstream = net.connect({ host: '127.0.0.1', port });
  upstream.once('connect', () => {
    client.removeAllListeners('data');
    client.write(typeof firstReply === 'function' ? firstReply() : firstReply);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  upstream.once('error', onFail);
  client.once('close', () => upstream.destroy());
  upstream.once('close', () => client.destroy());
}

export async function startSocks5Proxy(options: Common = {}): Promise<TestProxy> {
  const requests: ProxyRequest[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    const read = reader(socket);
    void (async () => {
      const head = await read(2);
      if (!head || head[0] !== 5) return socket.destroy();
      const methods = await read(head[1] ?? 0);
      if (!methods) return socket.destroy();
      const want = options.users ? 2 : 0;
      if (!methods.includes(want)) return socket.end(Buffer.of(5, 0xff));
      socket.write(Buffer.of(5, want));
      let user: string | undefined;
      let pass: string | undefined;
      if (want === 2) {
        const ver = await read(2);
        if (!ver) return socket.destroy();
        user = (await read(ver[1] ?? 0))?.toString('utf8');
        const plen = await read(1);
        pass = plen ? (await read(plen[0] ?? 0))?.toString('utf8') : undefined;
        const ok = user !== undefined && options.users?.[user] === pass;
        socket.write(Buffer.of(1, ok ? 0 : 1));
        if (!ok) return socket.end();
      }
      const req = await read(4);
      if (!req) return socket.destroy();
      const atyp = req[3] ?? 0;
      let host: string;
      if (atyp === 1) host = [...((await read(4)) ?? [])].join('.');
      else if (atyp === 4) host = ipv6((await read(16)) ?? Buffer.alloc(16));
      else {
        const len = await read(1);
        host = ((await read(len?.[0] ?? 0)) ?? Buffer.alloc(0)).toString('utf8');
      }
      const portBytes = await read(2);
      if (!portBytes) return socket.destroy();
      const port = portBytes.readUInt16BE(0);
      requests.push({ host, port, atyp, ...(user !== undefined ? { user } : {}), ...(pass !== undefined ? { pass } : {}) });
      const reply = (rep: number): Buffer => Buffer.of(5, rep, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff);
      if (!loopbackTarget(host) && host !== '::1') return socket.end(reply(2));
      splice(socket, port, reply(0), () => socket.end(reply(5)));
    })();
  });
  return listen(server, 'socks5', requests, () => connections);
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export async function startHttpProxy(options: Common & { tls?: boolean } = {}): Promise<TestProxy> {
  const requests: ProxyRequest[] = [];
  let connections = 0;
  const handler = (socket: net.Socket): void => {
    connections += 1;
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const head = buffered.subarray(0, end).toString('utf8');
      const [requestLine = '', ...headers] = head.split('\r\n');
      const m = /^CONNECT (\[[^\]]+\]|[^:\s]+):(\d+) HTTP\/1\.1$/.exec(requestLine);
      if (!m) return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
      const port = Number(m[2]);
      const auth = headers.find((h) => /^proxy-authorization:/i.test(h));
      const decoded = auth ? Buffer.from(auth.replace(/^[^:]*:\s*Basic\s+/i, ''), 'base64').toString('utf8') : undefined;
      const user = decoded?.slice(0, decoded.indexOf(':'));
      const pass = decoded?.slice(decoded.indexOf(':') + 1);
      requests.push({ host, port, atyp: 0, head, ...(user !== undefined ? { user } : {}), ...(pass !== undefined ? { pass } : {}) });
      if (options.users && (user === undefined || options.users[user] !== pass)) {
        return void socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="t"\r\nContent-Length: 0\r\n\r\n');
      }
      if (!loopbackTarget(host) && host !== '::1') return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      splice(socket, port, Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'), () =>
        socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'),
      );
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  };
  const server = options.tls ? tls.createServer({ key: TEST_PRIVATE_KEY, cert: TEST_CERTIFICATE }, handler) : net.createServer(handler);
  return listen(server, options.tls ? 'https' : 'http', requests, () => connections);
}

/** A raw proxy whose every connection is handed to `script` (faults: refusals, closing mid-handshake, silence). */
export async function startScriptedProxy(scheme: string, script: (socket: net.Socket, received: () => Buffer) => void): Promise<TestProxy> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.on('error', () => undefined);
    script(socket, () => received);
  });
  return listen(server, scheme, [], () => connections);
}

async function listen(server: net.Server, scheme: string, requests: ProxyRequest[], connections: () => number): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
