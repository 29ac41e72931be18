import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { resolveOptions } from '../../src/sink/options.js';
import { startSink, TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/index.js';

describe('sink options', () => {
  it('has the documented defaults', () => {
    const c = resolveOptions();
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      dir: undefined,
      discard: false,
      secureContext: undefined,
      implicitTls: false,
      requireTls: false,
      maxMessageBytes: 25 * 1024 * 1024,
      chunking: true,
      pipelining: true,
      rcptLimit: 1000,
      hostname: 'localhost',
      maxConnections: 1000,
      idleTimeoutMs: 300_000,
    });
    expect(resolveOptions({ discard: true, dir: '/tmp/x' }).dir).toBeUndefined();
    expect(resolveOptions({ tls: { key: TEST_PRIVATE_KEY, cert: TEST_CERTIFICATE } }).secureContext).toBeDefined();
  });

  it('refuses impossible or unsafe options with ECONFIG', () => {
    const bad = [
      { implicitTls: true },
      { requireTls: true },
      { port: 70000 },
      { port: -1 },
      { maxMessageBytes: 0 },
      { rcptLimit: 1.5 },
      { banner: 'hi\r\n250 fake' },
      { hostname: 'a\nb' },
      { tls: { key: 'not a key', cert: 'not a cert' } },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        resolveOptions(options);
      } catch (e) {
        error = e;
      }
      expect(SmtpError.is(error), JSON.stringify(options)).toBe(true);
      expect((error as SmtpError).code).toBe('ECONFIG');
    }
  });

  it('reports a port that is already taken as ECONFIG', async () => {
    const first = await startSink();
    try {
      await expect(startSink({ port: first.port })).rejects.toMatchObject({ code: 'ECONFIG' });
    } finally {
      await first.close();
    }
  });

  it('exposes host, port and url, and close() is idempotent', async () => {
    const sink = await startSink();
    expect(sink.host).toBe('127.0.0.1');
    expect(sink.port).toBeGreaterThan(0);
    expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`);
    await Promise.all([sink.close(), sink.close()]);
    await expect(
      new Promise((resolve, reject) => connect(sink.port, '127.0.0.1').on('connect', resolve).on('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('listens on IPv6 loopback with a bracketed url (skipped without IPv6)', async (ctx) => {
    let sink;
    try {
      sink = await startSink({ host: '::1' });
    } catch {
      ctx.skip();
      return;
    }
    expect(sink.url).toBe(`smtp://[::1]:${sink.port}`);
    await sink.close();
  });
});
