/**
 * TokenSource: the cache margin (with a clock the test moves), one request in flight, and refresh(rejected)
 * returning a replacement another connection already fetched. The endpoint is node:https on 127.0.0.1.
 */
import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenSource, EXPIRY_MARGIN_MS } from '../../src/transport/token-source.js';
import { resolveOAuth2 } from '../../src/transport/oauth2.js';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';

let server: https.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function endpoint(expiresIn: number): Promise<{ url: string; count: () => number }> {
  let n = 0;
  server = https.createServer({ key: TEST_PRIVATE_KEY, cert: TEST_CERTIFICATE }, (req, res) => {
    req.resume();
    req.on('end', () => {
      n += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `at-${n}`, expires_in: expiresIn }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `https://127.0.0.1:${port}/token`, count: () => n };
}

describe('TokenSource with oauth2', () => {
  it('keeps the token until EXPIRY_MARGIN_MS before expires_in, then asks again', async () => {
    const ep = await endpoint(3600);
    let now = 1_000_000;
    const source = TokenSource.fromOAuth2(resolveOAuth2({ tokenUrl: ep.url, clientId: 'c', refreshToken: 'r', ca: TEST_CERTIFICATE }, undefined), 5_000, () => now);
    expect(await source.get()).toBe('at-1');
    now += 3600_000 - EXPIRY_MARGIN_MS - 1;
    expect(await source.get()).toBe('at-1');
    now += 1;
    expect(await source.get()).toBe('at-2');
    expect(ep.count()).toBe(2);
  });

  it('shares one request among concurrent callers, and refresh(rejected) reuses a newer token', async () => {
    const ep = await endpoint(3600);
    const source = TokenSource.fromOAuth2(resolveOAuth2({ tokenUrl: ep.url, clientId: 'c', refreshToken: 'r', ca: TEST_CERTIFICATE }, undefined), 5_000);
    expect(await Promise.all([source.get(), source.get(), source.get()])).toEqual(['at-1', 'at-1', 'at-1']);
    // Three connections refused at-1 together: one new grant.
    expect(await Promise.all([source.refresh('at-1'), source.refresh('at-1'), source.refresh('at-1')])).toEqual(['at-2', 'at-2', 'at-2']);
    // A connection that was refused at-1 late: at-2 is already there.
    expect(await source.refresh('at-1')).toBe('at-2');
    expect(ep.count()).toBe(2);
  });
});

describe('TokenSource with getAccessToken', () => {
  it('calls the provider per attempt with refresh: false, and shares a refresh: true among simultaneous refusals', async () => {
    const calls: boolean[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const source = TokenSource.fromProvider(async ({ refresh }) => {
      calls.push(refresh);
      if (refresh) await gate;
      return refresh ? 'new' : 'old';
    });
    expect(await source.get()).toBe('old');
    expect(await source.get()).toBe('old');
    const refreshes = [source.refresh('old'), source.refresh('old')];
    release();
    expect(await Promise.all(refreshes)).toEqual(['new', 'new']);
    expect(calls).toEqual([false, false, true]);
  });
});
