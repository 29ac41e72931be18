import { describe, expect, it } from 'vitest';
import { HttpConnectHandshake } from '../../src/proxy/index.js';
import { everySplit, run } from './drive.js';

const text = (bytes: number[]): string => Buffer.from(bytes).toString('utf8');

describe('HttpConnectHandshake', () => {
  it('sends CONNECT with Host and Basic credentials', () => {
    const h = new HttpConnectHandshake({ host: 'mail.example', port: 587 }, { username: 'alice', password: 'pä:ss' });
    expect(Buffer.from(h.start()).toString('utf8')).toBe(
      `CONNECT mail.example:587 HTTP/1.1\r\nHost: mail.example:587\r\nProxy-Authorization: Basic ${Buffer.from('alice:pä:ss').toString('base64')}\r\n\r\n`,
    );
  });

  it('brackets an IPv6 target and sends no credentials when none are configured', () => {
    const h = new HttpConnectHandshake({ host: '::1', port: 465 });
    expect(Buffer.from(h.start()).toString()).toBe('CONNECT [::1]:465 HTTP/1.1\r\nHost: [::1]:465\r\n\r\n');
  });

  it('a 200 with headers, cut at every pair of points: the tunnel starts right after the blank line', () => {
    const answer = Buffer.from('HTTP/1.1 200 Connection established\r\nProxy-Agent: x\r\n\r\n220 mx ESMTP\r\n');
    for (const chunks of everySplit(answer)) {
      const r = run(new HttpConnectHandshake({ host: 'mail.example', port: 587 }), chunks);
      expect(r.final?.state).toBe('done');
      expect(r.tunnel.toString()).toBe('220 mx ESMTP\r\n');
      expect(text(r.sent)).toBe('CONNECT mail.example:587 HTTP/1.1\r\nHost: mail.example:587\r\n\r\n');
    }
  });

  it.each([
    ['HTTP/1.1 407 Proxy Authentication Required', false, 'the proxy wants credentials'],
    ['HTTP/1.0 401 Unauthorized', false, 'the proxy wants credentials'],
    ['HTTP/1.1 403 Forbidden', false, 'does not allow this destination'],
    ['HTTP/1.0 502 Bad Gateway', true, 'could not reach the server'],
    ['HTTP/1.1 503 Service Unavailable', true, 'could not reach the server'],
    ['HTTP/1.1 504 Gateway Timeout', true, 'could not reach the server'],
    ['HTTP/1.1 400 Bad Request', false, ''],
  ])('"%s" fails with its status line (transient %s)', (statusLine, transient, hint) => {
    const answer = Buffer.from(`${statusLine}\r\nContent-Length: 0\r\n\r\n`);
    for (const chunks of everySplit(answer)) {
      const r = run(new HttpConnectHandshake({ host: 'mail.example', port: 587 }), chunks);
      expect(r.final?.state).toBe('failed');
      if (r.final?.state === 'failed') {
        expect(r.final.failure.message).toContain(`"${statusLine}"`);
        expect(r.final.failure.message).toContain(hint);
        expect(r.final.failure.transient).toBe(transient);
      }
    }
  });

  it('407 with credentials says they were refused, without repeating them', () => {
    const h = new HttpConnectHandshake({ host: 'm.example', port: 587 }, { username: 'bob', password: 'Sup3r-Secret' });
    h.start();
    const step = h.push(Buffer.from('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'));
    expect(step).toEqual({
      state: 'failed',
      failure: { message: '"HTTP/1.1 407 Proxy Authentication Required": the proxy refused the credentials', transient: false },
    });
  });

  it('a peer that does not speak HTTP is named at its first bytes, without waiting for a blank line', () => {
    const h = new HttpConnectHandshake({ host: 'm.example', port: 587 });
    expect(h.push(Uint8Array.of(5, 0))).toEqual({ state: 'continue' });
    const step = h.push(Buffer.from('220 smtp'));
    expect(step).toMatchObject({ state: 'failed', failure: { message: expect.stringContaining('did not answer CONNECT with HTTP') } });
  });

  it('a header block without an end is refused past 16 KiB; control bytes in a status line are masked', () => {
    const h = new HttpConnectHandshake({ host: 'm.example', port: 587 });
    let step = h.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    for (let i = 0; i < 20 && step.state === 'continue'; i += 1) step = h.push(Buffer.from(`X: ${'a'.repeat(1000)}\r\n`));
    expect(step).toMatchObject({ state: 'failed', failure: { message: expect.stringContaining('no end of header') } });
    const g = new HttpConnectHandshake({ host: 'm.example', port: 587 });
    const masked = g.push(Buffer.from('HTTP/1.1 403 No\x1b[31m\r\n\r\n'));
    expect(masked.state === 'failed' && masked.failure.message).toContain('"HTTP/1.1 403 No?[31m"');
  });
});
