/**
 * RFC 8463 Appendix A: one message signed twice by football.example.com, with Ed25519 (selector brisbane)
 * and RSA (selector test). The RFC gives both private keys, and both signature schemes are deterministic
 * (Ed25519, RSASSA-PKCS1-v1_5), so both b= values are reproduced byte for byte from our canonicalization
 * and signing; the RFC's RSA signature is also checked with the published public key.
 */
import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalizeBody, canonicalizeHeader } from '../../src/dkim/canonicalize.js';
import { findBodyStart, splitFields } from '../../src/dkim/message-head.js';
import { signatureFields } from '../../src/dkim/message-hasher.js';
import { resolveDkim } from '../../src/dkim/options.js';
import { signData, signedHeaderData } from '../../src/dkim/signature.js';

// A.2: the Ed25519 key pair (the secret is RFC 8032's test 1 seed) and the two key records' public keys.
const ED25519_SECRET = 'nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=';
const ED25519_PUBLIC = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
const RSA_PUBLIC =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB';

// A.1: the RSA private key (1024 bits: fine for a test vector, refused nowhere but warned in docs/dkim.md).
const RSA_PRIVATE = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi',
  'Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM',
  'KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB',
  'AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm',
  '6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe',
  'zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy',
  '6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc',
  'uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy',
  'WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd',
  'WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a',
  'licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst',
  'o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe',
  'uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

// A.3: the signed message, as published (continuation lines start with one space).
const SIGNED = [
  'DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;',
  ' d=football.example.com; i=@football.example.com;',
  ' q=dns/txt; s=brisbane; t=1528637909; h=from : to :',
  ' subject : date : message-id : from : subject : date;',
  ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
  ' b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus',
  ' Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==',
  'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;',
  ' d=football.example.com; i=@football.example.com;',
  ' q=dns/txt; s=test; t=1528637909; h=from : to : subject :',
  ' date : message-id : from : subject : date;',
  ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
  ' b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3',
  ' DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz',
  ' dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=',
  'From: Joe SixPack <joe@football.example.com>',
  'To: Suzie Q <suzie@shopping.example.net>',
  'Subject: Is dinner ready?',
  'Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)',
  'Message-ID: <20030712040037.46341.5F8J@football.example.com>',
  '',
  'Hi.',
  '',
  'We lost the game.  Are you hungry yet?',
  '',
  'Joe.',
  '',
].join('\r\n');

const H = ['from', 'to', 'subject', 'date', 'message-id', 'from', 'subject', 'date'];
const b64url = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const edKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(ED25519_SECRET), x: b64url(ED25519_PUBLIC) }, format: 'jwk' });

const message = Buffer.from(SIGNED, 'latin1');
const bodyStart = findBodyStart(message, true);
const fields = splitFields(message.subarray(0, bodyStart));
const signatures = fields.filter((f) => f.key === 'dkim-signature');
const others = fields.filter((f) => f.key !== 'dkim-signature');

/** What a verifier hashes for one of the RFC's signatures: the h= fields, then the signature field with b= emptied. */
function headerData(signature: string, hTags: string[] = H): Buffer {
  const emptied = signature.replace(/([;\s]b=)[\s\S]*$/, '$1');
  return Buffer.from(signedHeaderData(others, hTags, 'relaxed') + canonicalizeHeader(`${emptied}\r\n`, 'relaxed').slice(0, -2), 'latin1');
}
const bValue = (signature: string): string => (/[;\s]b=([\s\S]*)$/.exec(signature)?.[1] ?? '').replace(/\s+/g, '');

describe('RFC 8463 appendix A', () => {
  it('the body hash is bh= (relaxed body canonicalization)', () => {
    const bh = createHash('sha256').update(canonicalizeBody(message.subarray(bodyStart), 'relaxed')).digest('base64');
    expect(bh).toBe('2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=');
  });

  it('reproduces the Ed25519 signature byte for byte', () => {
    const ed = signatures[0]?.raw ?? '';
    const b = signData({ algorithm: 'ed25519-sha256', key: edKey }, headerData(ed)).toString('base64');
    expect(b).toBe('/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==');
    expect(b).toBe(bValue(ed));
  });

  it('reproduces the RSA signature byte for byte (with the A.1 key, which is the A.2 record\'s pair)', () => {
    const rsa = signatures[1]?.raw ?? '';
    const [signer] = resolveDkim({ domain: 'football.example.com', selector: 'test', privateKey: RSA_PRIVATE });
    expect(createPublicKey(signer!.key).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(RSA_PUBLIC);
    expect(signer!.algorithm).toBe('rsa-sha256');
    const b = signData(signer!, headerData(rsa)).toString('base64');
    expect(b).toBe(
      'F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=',
    );
  });

  it("the RFC's RSA signature verifies over our canonical header data, and not over a changed one", () => {
    const rsa = signatures[1]?.raw ?? '';
    const key = createPublicKey({ key: Buffer.from(RSA_PUBLIC, 'base64'), format: 'der', type: 'spki' });
    const sig = Buffer.from(bValue(rsa), 'base64');
    expect(verify('sha256', headerData(rsa), key, sig)).toBe(true);
    expect(verify('sha256', headerData(rsa.replace('t=1528637909', 't=1528637900')), key, sig)).toBe(false);
    expect(verify('sha256', headerData(rsa, H.filter((n) => n !== 'to')), key, sig)).toBe(false);
  });

  it('our signer, given the same key and h= list, writes the same bh= and a signature the RFC key verifies', () => {
    const unsigned = Buffer.from(others.map((f) => f.raw).join('') + SIGNED.slice(SIGNED.indexOf('\r\n\r\n') + 2), 'latin1');
    const [signer] = resolveDkim({ domain: 'football.example.com', selector: 'brisbane', privateKey: edKey, headers: H });
    const field = signatureFields(unsigned, [signer!]);
    expect(field).toContain('bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;');
    expect(field).toContain('a=ed25519-sha256;');
    const data = Buffer.from(signedHeaderData(others, H, 'relaxed') + canonicalizeHeader(field.replace(/([;\s]b=)[\s\S]*$/, '$1\r\n'), 'relaxed').slice(0, -2), 'latin1');
    const pub = createPublicKey(edKey);
    expect(verify(null, createHash('sha256').update(data).digest(), pub, Buffer.from(bValue(field.trimEnd()), 'base64'))).toBe(true);
  });
});
