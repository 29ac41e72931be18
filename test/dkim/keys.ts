/** Test keys, made once per test file (RSA generation is slow), and their DNS key records. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface TestKey {
  privateKey: KeyObject;
  pem: string;
  /** The TXT record to publish at SELECTOR._domainkey.DOMAIN. */
  record: string;
}

export function rsaKey(bits = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, record: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}` };
}

export function ed25519Key(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // RFC 8463 4.2: p= is the bare 32-byte public key, not the SPKI structure RSA records use.
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return { privateKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, record: `v=DKIM1; k=ed25519; p=${raw.toString('base64')}` };
}
