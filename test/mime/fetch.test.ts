import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpsFetcher, prepareMessage } from '../../src/mime/index.js';
import type { Resolver } from '../../src/guards/destination.js';
import { bytes, parse } from './helpers.js';

// Only loopback is ever contacted: the resolver below maps every name to 127.0.0.1, and the
// refusal tests use resolvers returning private addresses that are refused before any connect.
let server: Server;
let port: number;
let cert: Buffer;
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const payload = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 31) & 255));
const requests: string[] = [];

const calls: string[] = [];
const toLoopback: Resolver = async (host) => {
  calls.push(host);
  return [{ address: '127.0.0.1', family: 4 }];
};
const privateAnswer = (address: string): Resolver => async () => [{ address, family: address.includes(':') ? 6 : 4 }];

beforeAll(async () => {
  // A self-signed test certificate (P-256, valid until 2126, SANs files.mailwire.test, localhost,
  // 127.0.0.1), checked in so the test needs no openssl binary. It only ever guards a loopback server.
  // Regenerate: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
  //   -keyout fetch-key.pem -out fetch-cert.pem -subj /CN=files.mailwire.test
  //   -addext 'subjectAltName=DNS:files.mailwire.test,DNS:localhost,IP:127.0.0.1'
  cert = readFileSync(join(FIXTURES, 'fetch-cert.pem'));
  server = createServer({ key: readFileSync(join(FIXTURES, 'fetch-key.pem')), cert }, (req, res) => {
    requests.push(`${req.headers.host} ${req.url}`);
    switch (req.url) {
      case '/file.bin':
        res.writeHead(200, { 'content-type': 'application/x-thing', 'content-length': payload.length });
        res.end(payload);
        return;
      case '/typed':
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(payload.subarray(0, 10));
        return;
      case '/redirect':
        res.writeHead(302, { location: 'https://127.0.0.1/file.bin' });
        res.end();
        return;
      case '/declared-big':
        res.writeHead(200, { 'content-length': 10_000_000 });
        res.end(); // the client must give up on the header alone
        return;
      case '/chunked-big':
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(10_000));
        res.end();
        return;
      case '/slow':
        return; // never answers
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetcher = (extra: Partial<Parameters<typeof createHttpsFetcher>[0]> = {}) =>
  createHttpsFetcher({ publicAddressesOnly: false, resolver: toLoopback, ca: cert, ...extra });

describe('https attachment fetcher (loopback server)', () => {
  it('fetches over TLS, pinned to the resolved address, verifying the host name', async () => {
    calls.length = 0;
    const got = await fetcher()(`https://files.mailwire.test:${port}/file.bin`, { maxBytes: 1_000_000 });
    expect(got.data.equals(payload)).toBe(true);
    expect(got.contentType).toBe('application/x-thing');
    // The name does not exist in DNS: the request can only have reached us through the pinned address.
    expect(calls).toEqual(['files.mailwire.test']);
    expect(requests.at(-1)).toBe(`files.mailwire.test:${port} /file.bin`);
  });
  it('refuses a certificate that does not match the host name', async () => {
    await expect(fetcher()(`https://other.mailwire.test:${port}/file.bin`, { maxBytes: 1_000_000 })).rejects.toMatchObject({ code: 'ETLS' });
    // and one not signed by a trusted CA
    await expect(fetcher({ ca: undefined })(`https://localhost:${port}/file.bin`, { maxBytes: 1_000_000 })).rejects.toMatchObject({ code: 'ETLS' });
  });
  it('does not follow redirects and requires 2xx', async () => {
    await expect(fetcher()(`https://localhost:${port}/redirect`, { maxBytes: 1000 })).rejects.toThrow(/HTTP 302 \(redirects are not followed\)/);
    await expect(fetcher()(`https://localhost:${port}/missing`, { maxBytes: 1000 })).rejects.toThrow(/HTTP 404/);
  });
  it('caps the size by Content-Length and by counting', async () => {
    await expect(fetcher()(`https://localhost:${port}/declared-big`, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'EGUARD' });
    await expect(fetcher()(`https://localhost:${port}/chunked-big`, { maxBytes: 50_000 })).rejects.toThrow(/larger than 50000 bytes/);
    await expect(fetcher({ maxBytes: 100 })(`https://localhost:${port}/file.bin`, { maxBytes: 1_000_000 })).rejects.toThrow(/larger than 100 bytes/);
  });
  it('times out', async () => {
    await expect(fetcher({ timeoutMs: 150 })(`https://localhost:${port}/slow`, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
  it('accepts only https URLs without credentials', async () => {
    const f = fetcher();
    await expect(f(`http://localhost:${port}/file.bin`, { maxBytes: 1000 })).rejects.toThrow(/only https/);
    await expect(f('file:///etc/passwd', { maxBytes: 1000 })).rejects.toThrow(/only https/);
    await expect(f(`https://user:secret@localhost:${port}/file.bin`, { maxBytes: 1000 })).rejects.toThrow(/credentials/);
    await expect(f('not a url', { maxBytes: 1000 })).rejects.toThrow(/not a valid URL/);
  });
  it('with publicAddressesOnly (the default) refuses private answers before connecting', async () => {
    const before = requests.length;
    for (const ip of ['127.0.0.1', '10.0.0.5', '169.254.169.254', 'fd00:ec2::254', '::ffff:127.0.0.1', '192.168.1.10', '100.64.0.1']) {
      const f = createHttpsFetcher({ resolver: privateAnswer(ip), ca: cert });
      await expect(f(`https://files.mailwire.test:${port}/file.bin`, { maxBytes: 1000 }), ip).rejects.toMatchObject({ code: 'EGUARD' });
    }
    const literal = createHttpsFetcher({ resolver: toLoopback, ca: cert });
    await expect(literal(`https://127.0.0.1:${port}/file.bin`, { maxBytes: 1000 })).rejects.toThrow(/non-public/);
    await expect(literal(`https://[::1]:${port}/file.bin`, { maxBytes: 1000 })).rejects.toThrow(/non-public/);
    expect(requests.length).toBe(before);
  });
});

describe('href attachments in a message', () => {
  it('are fetched at prepare time and round-trip', async () => {
    const prepared = await prepareMessage(
      {
        from: 'a@x.com', to: 'b@x.com', text: 'x',
        attachments: [
          { filename: 'data.bin', href: `https://files.mailwire.test:${port}/file.bin` },
          { href: `https://localhost:${port}/typed` },
        ],
      },
      { fetcher: fetcher() },
    );
    expect(prepared.replayable).toBe(true);
    const raw = await prepared.toBuffer();
    expect(prepared.size).toBe(raw.length);
    const [a, b] = (await parse(raw)).attachments;
    expect(bytes(a!.content).equals(payload)).toBe(true);
    expect(a!.mimeType).toBe('application/x-thing'); // .bin is not in the table: the response's type
    expect(b!.mimeType).toBe('image/png'); // from the response, no filename
  });
  it('name the attachment in errors', async () => {
    await expect(
      prepareMessage({ from: 'a@x.com', to: 'b@x.com', attachments: [{ href: `https://localhost:${port}/missing` }] }, { fetcher: fetcher() }),
    ).rejects.toThrow(/^attachments\[0\]\.href: .*HTTP 404/);
    await expect(
      prepareMessage(
        { from: 'a@x.com', to: 'b@x.com', attachments: [{ href: `https://evil.example:${port}/x` }] },
        { fetcher: createHttpsFetcher({ resolver: privateAnswer('10.1.1.1') }) },
      ),
    ).rejects.toMatchObject({ code: 'EGUARD' });
  });
});

describe('fetch deadline', () => {
  it('covers a resolver that never answers', async () => {
    const hanging: Resolver = () => new Promise(() => undefined);
    const f = createHttpsFetcher({ resolver: hanging, timeoutMs: 100 });
    await expect(f('https://files.mailwire.test/x', { maxBytes: 10 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});
