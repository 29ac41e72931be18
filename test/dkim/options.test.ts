import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveDkim } from '../../src/dkim/options.js';
import { createTransport } from '../../src/transport/transport.js';
import type { Connector } from '../../src/tls/connector.js';
import { rejection } from '../helpers/expect-error.js';
import { ed25519Key, rsaKey } from './keys.js';

const rsa = rsaKey(1024);
const ed = ed25519Key();
const base = { domain: 'example.com', selector: 's1' };

/** Fails the test if createTransport ever tries to connect. */
let connects = 0;
const connector: Connector = () => {
  connects++;
  return Promise.reject(new Error('no connection expected'));
};
const transportWith = (dkim: unknown): unknown => createTransport({ host: '127.0.0.1', port: 2525, security: 'none', connector, dkim: dkim as never });

describe('dkim option', () => {
  it('the algorithm follows the key: RSA (PEM or KeyObject) and Ed25519', () => {
    const [a, b, c] = resolveDkim([
      { ...base, privateKey: rsa.pem },
      { ...base, selector: 's2', privateKey: ed.privateKey },
      { ...base, selector: 's3', privateKey: ed.pem, canonicalization: 'simple/relaxed' },
    ]);
    expect(a?.algorithm).toBe('rsa-sha256');
    expect(b?.algorithm).toBe('ed25519-sha256');
    expect(c?.algorithm).toBe('ed25519-sha256');
    expect([a?.headerCanon, a?.bodyCanon, c?.headerCanon, c?.bodyCanon]).toEqual(['relaxed', 'relaxed', 'simple', 'relaxed']);
  });

  it.each([
    ['garbage', { ...base, privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' }, /not a private key/],
    ['a public key (PEM)', { ...base, privateKey: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) }, /not a private key/],
    ['a public key (KeyObject)', { ...base, privateKey: generateKeyPairSync('ed25519').publicKey }, /public key; signing needs the private key/],
    ['an EC key', { ...base, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }, /a ec key; DKIM signs with RSA/],
    ['RSA under 1024 bits', { ...base, privateKey: generateKeyPairSync('rsa', { modulusLength: 768 }).privateKey }, /768 bits; DKIM needs at least 1024/],
    ['a number', { ...base, privateKey: 42 }, /expected a PEM string or a KeyObject/],
    ['a bad canonicalization', { ...base, privateKey: ed.pem, canonicalization: 'loose/simple' }, /canonicalization/],
    ['headers without From', { ...base, privateKey: ed.pem, headers: ['to', 'subject'] }, /must include From/],
    ['a header name with a colon', { ...base, privateKey: ed.pem, headers: ['from', 'x:y'] }, /not a header field name/],
    ['a domain with CRLF', { ...base, domain: 'example.com\r\nX: y', privateKey: ed.pem }, /domain/],
    ['a selector with ;', { ...base, selector: 'a;b=c', privateKey: ed.pem }, /selector/],
    ['expiresInSeconds 0', { ...base, privateKey: ed.pem, expiresInSeconds: 0 }, /expiresInSeconds/],
    ['an empty list', [], /at least one signer/],
    ['two signers on one selector', [{ ...base, privateKey: ed.pem }, { ...base, privateKey: rsa.pem }], /each key needs its own selector/],
  ])('%s is ECONFIG at createTransport, before any connection', async (_name, dkim, message) => {
    const error = await rejection(() => transportWith(dkim));
    expect(error.code).toBe('ECONFIG');
    expect(error.phase).toBe('config');
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/MII|MC4CAQ|MCowBQ|-----/); // no key material in errors
    expect(connects).toBe(0);
  });

  it('an internationalized domain is kept in its A-label form', () => {
    expect(resolveDkim({ domain: 'bücher.example', selector: 'S1', privateKey: ed.pem })[0]?.domain).toBe('xn--bcher-kva.example');
  });
});
