import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/transport/config.js';
import { transportKey } from '../../src/transport/transport.js';

describe('pool keys with a proxy or LMTP', () => {
  const base = { host: 'smtp.example.com', port: 587 };
  it('connections through different proxies, or the same proxy with other credentials, never share a pool', () => {
    const direct = transportKey(resolveConfig(base));
    const a = transportKey(resolveConfig({ ...base, proxy: 'socks5://u:Secret-A@127.0.0.1:1080' }));
    const b = transportKey(resolveConfig({ ...base, proxy: 'socks5://u:Secret-B@127.0.0.1:1080' }));
    const c = transportKey(resolveConfig({ ...base, proxy: 'http://127.0.0.1:3128' }));
    expect(new Set([direct, a, b, c]).size).toBe(4);
    expect(a).toContain('via socks5://127.0.0.1:1080#');
    expect(`${a}${b}`).not.toMatch(/Secret/);
  });

  it('LMTP and a Unix socket are part of the key', () => {
    const smtp = transportKey(resolveConfig({ host: '127.0.0.1', port: 24, security: 'none' }));
    const lmtp = transportKey(resolveConfig({ host: '127.0.0.1', port: 24, security: 'none', protocol: 'lmtp' }));
    const unix = transportKey(resolveConfig({ protocol: 'lmtp', socketPath: '/run/lmtp' }));
    expect(new Set([smtp, lmtp, unix]).size).toBe(3);
    expect(unix).toContain('unix:/run/lmtp');
  });
});
