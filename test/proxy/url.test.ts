import { describe, expect, it } from 'vitest';
import { describeProxy, parseProxyUrl } from '../../src/proxy/index.js';

describe('parseProxyUrl', () => {
  it('reads every scheme, credentials (percent-decoded), IPv6 hosts and default ports', () => {
    expect(parseProxyUrl('socks5://127.0.0.1:1080')).toEqual({ kind: 'socks5', host: '127.0.0.1', port: 1080 });
    expect(parseProxyUrl('SOCKS5H://u%40x:p%3Ass@proxy.example')).toEqual({ kind: 'socks5h', host: 'proxy.example', port: 1080, username: 'u@x', password: 'p:ss' });
    expect(parseProxyUrl('http://[::1]:3128/')).toEqual({ kind: 'http', host: '::1', port: 3128 });
    expect(parseProxyUrl('https://p.example').port).toBe(443);
    expect(parseProxyUrl('http://p.example').port).toBe(80);
  });

  it('names a proxy without its credentials', () => {
    expect(describeProxy(parseProxyUrl('socks5://alice:Secret-1@[::1]:1080'))).toBe('socks5://[::1]:1080');
  });

  it.each([
    ['ftp://p.example:21', 'scheme "ftp"'],
    ['socks5://p.example:1080/path', 'path, query or fragment'],
    ['http://p.example:3128?x=1', 'path, query or fragment'],
    ['not a url', 'spaces or control'],
    ['socks5:/x', 'path, query or fragment'],
    ['http://a:b@p.example:99999', 'not a valid URL'],
    ['socks5://:pw-only-Secret@p.example:1080', '1 to 255 bytes'],
    ['http://a%3Ab:pw@p.example:3128', 'cannot contain ":"'],
    ['http://user:%E0%A4%A@p.example:3128', 'malformed percent-encoding'],
    ['http://user:p%0Aw@p.example:3128', 'control characters'],
  ])('%s is an ECONFIG that does not echo the URL', (url, part) => {
    let caught: unknown;
    try {
      parseProxyUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'ECONFIG', phase: 'config' });
    const message = (caught as Error).message;
    expect(message).toContain(part);
    expect(message).not.toMatch(/Secret|pw-only|%E0/);
  });
});
