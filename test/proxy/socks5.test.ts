import { describe, expect, it } from 'vitest';
import { Socks5Handshake, type HandshakeStep } from '../../src/proxy/index.js';
import { everySplit, run, splitAt } from './drive.js';

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const cat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

describe('Socks5Handshake', () => {
  it('no auth, IPv4 target: the whole server side cut at every pair of points gives the same bytes and outcome', () => {
    const server = cat(b(5, 0), b(5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90), Buffer.from('220 hi\r\n'));
    let runs = 0;
    for (const chunks of everySplit(server)) {
      const r = run(new Socks5Handshake({ host: '192.0.2.7', port: 587 }), chunks);
      expect(r.sent).toEqual([5, 1, 0, 5, 1, 0, 1, 192, 0, 2, 7, 0x02, 0x4b]);
      expect(r.final?.state).toBe('done');
      expect(r.tunnel.toString()).toBe('220 hi\r\n');
      runs += 1;
    }
    expect(runs).toBe(((server.byteLength + 1) * (server.byteLength + 2)) / 2);
  });

  it('with username/password, every split point of the whole server side', () => {
    const server = cat(b(5, 2), b(1, 0), b(5, 0, 0, 3, 3, 0x61, 0x62, 0x63, 0, 25), b(0x32));
    for (const chunks of everySplit(server)) {
      const r = run(new Socks5Handshake({ host: 'mail.example', port: 25 }, { username: 'u', password: 'pw' }), chunks);
      expect(r.sent).toEqual([5, 2, 0, 2, 1, 1, 0x75, 2, 0x70, 0x77, 5, 1, 0, 3, 12, ...Buffer.from('mail.example'), 0, 25]);
      expect(r.final?.state).toBe('done');
      expect([...r.tunnel]).toEqual([0x32]);
    }
  });

  it('byte by byte with username/password and a domain-name target (socks5h)', () => {
    const h = new Socks5Handshake({ host: 'mail.example', port: 25 }, { username: 'u', password: 'pw' });
    expect([...h.start()]).toEqual([5, 2, 0, 2]);
    const replies = [b(5, 2), b(1, 0), b(5, 0, 0, 3, 3, 0x61, 0x62, 0x63, 0, 25)];
    const out: number[] = [];
    let final: HandshakeStep | undefined;
    for (const reply of replies) {
      for (const byte of reply) {
        const step = h.push(b(byte));
        if (step.state === 'continue' && step.send) out.push(...step.send);
        final = step;
      }
    }
    expect(out).toEqual([1, 1, 0x75, 2, 0x70, 0x77, 5, 1, 0, 3, 12, ...Buffer.from('mail.example'), 0, 25]);
    expect(final?.state).toBe('done');
    expect(final?.state === 'done' && final.leftover.byteLength).toBe(0);
  });

  it('an IPv6 target goes as ATYP 4 with 16 bytes; a bound IPv6 address in the reply is skipped whole', () => {
    const h = new Socks5Handshake({ host: '::1', port: 465 });
    const step = h.push(b(5, 0));
    expect(step.state === 'continue' && [...(step.send ?? [])]).toEqual([5, 1, 0, 4, ...new Array<number>(15).fill(0), 1, 1, 0xd1]);
    const reply = cat(b(5, 0, 0, 4), new Uint8Array(16), b(0, 1), b(0x32));
    for (let at = 0; at <= reply.byteLength; at += 1) {
      const r = run(new Socks5Handshake({ host: '::1', port: 465 }), [b(5, 0), ...splitAt(reply, at)]);
      expect(r.final?.state).toBe('done');
      expect([...r.tunnel]).toEqual([0x32]);
    }
  });

  it.each([
    [1, 'general SOCKS server failure', true],
    [2, 'connection not allowed by ruleset', false],
    [3, 'network unreachable', true],
    [4, 'host unreachable', true],
    [5, 'connection refused', true],
    [6, 'TTL expired', true],
    [7, 'command not supported', false],
    [8, 'address type not supported', false],
    [9, 'unassigned reply code', false],
  ])('reply %i is a failure that names the code and its meaning (%s)', (code, meaning, transient) => {
    const h = new Socks5Handshake({ host: '10.1.2.3', port: 587 });
    h.push(b(5, 0));
    // Decided at the second byte: a proxy that closes right after it still gives a clear answer.
    expect(h.push(b(5))).toEqual({ state: 'continue' });
    expect(h.push(b(code))).toEqual({
      state: 'failed',
      failure: { message: `SOCKS reply ${code} (${meaning}) for 10.1.2.3:587`, transient },
    });
  });

  it('username/password refused (RFC 1929 status) and never echoes the password', () => {
    const h = new Socks5Handshake({ host: 'h.example', port: 587 }, { username: 'alice', password: 'hunter2-secret' });
    h.push(b(5, 2));
    const step = h.push(b(1, 1));
    expect(step.state).toBe('failed');
    if (step.state === 'failed') {
      expect(step.failure.message).toBe('the proxy rejected the username/password (RFC 1929 status 1)');
      expect(step.failure.transient).toBe(false);
      expect(step.failure.message).not.toContain('hunter2');
    }
  });

  it('method refusals: no acceptable method, credentials wanted but not configured, a method never offered', () => {
    const none = new Socks5Handshake({ host: 'h.example', port: 587 }, { username: 'a', password: 'b' });
    expect(none.push(b(5, 0xff))).toMatchObject({ state: 'failed', failure: { message: expect.stringContaining('accepts none of the offered') } });
    const wants = new Socks5Handshake({ host: 'h.example', port: 587 });
    expect(wants.push(b(5, 2))).toMatchObject({ state: 'failed', failure: { message: expect.stringContaining('requires a username and password') } });
    const odd = new Socks5Handshake({ host: 'h.example', port: 587 });
    expect(odd.push(b(5, 1))).toMatchObject({ state: 'failed', failure: { message: expect.stringContaining('method 1, which was not offered') } });
  });

  it('an HTTP proxy answering a SOCKS greeting is named as such', () => {
    const h = new Socks5Handshake({ host: 'h.example', port: 587 });
    expect(h.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toMatchObject({
      state: 'failed',
      failure: { message: expect.stringContaining('answered like an HTTP proxy') },
    });
  });

  it('an unknown address type in the connect reply is a failure, and pushing after the end is refused', () => {
    const h = new Socks5Handshake({ host: 'h.example', port: 587 });
    h.push(b(5, 0));
    expect(h.push(b(5, 0, 0, 9, 0))).toMatchObject({ state: 'failed', failure: { message: expect.stringContaining('unknown address type 9') } });
    expect(h.push(b(0)).state).toBe('failed');
  });

  it('a host name longer than 255 bytes cannot be sent', () => {
    expect(() => new Socks5Handshake({ host: `${'a'.repeat(250)}.example`, port: 25 })).toThrow(RangeError);
  });
});
