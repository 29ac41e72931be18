/**
 * Bad certificates, made at test time with the `openssl` command into a temporary directory: a private CA
 * the client is told to trust, and server certificates that each fail in exactly one way.
 *
 *   valid       CN=localhost, signed by the CA, current          (the control: this one must work)
 *   expired     CN=localhost, signed by the CA, 2000-01-01..2001-01-01 (via `openssl ca -startdate/-enddate`)
 *   otherHost   CN=other.example, signed by the CA, current
 *   selfSigned  CN=localhost, signed by itself (not by the trusted CA)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestPki {
  /** The CA certificate to pass as tls.ca. */
  ca: string;
  valid: KeyPair;
  expired: KeyPair;
  otherHost: KeyPair;
  selfSigned: KeyPair;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-pki-'));
  const f = (name: string): string => path.join(dir, name);
  const openssl = async (...args: string[]): Promise<void> => {
    try {
      await run('openssl', args, { cwd: dir });
    } catch (error) {
      const e = error as { code?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new Error('these tests need the `openssl` command (Debian: apt-get install openssl)');
      throw new Error(`openssl ${args[0] ?? ''} failed: ${e.stderr ?? String(error)}`);
    }
  };
  try {
    await openssl('req', '-x509', ...EC, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '3', '-subj', '/CN=mailwire test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');

    const request = async (name: string, host: string): Promise<void> => {
      await openssl('req', '-new', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${host}`);
      await writeFile(f(`${name}.ext`), `subjectAltName=DNS:${host}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    };
    const signNow = async (name: string): Promise<void> => {
      await openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
        '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`));
    };

    await request('valid', 'localhost');
    await signNow('valid');
    await request('other', 'other.example');
    await signNow('other');

    // `openssl x509 -req` cannot back-date; `openssl ca` can set both dates explicitly.
    await request('expired', 'localhost');
    await writeFile(f('index.txt'), '');
    await writeFile(f('serial'), '1000\n');
    await writeFile(f('ca.cnf'), [
      '[ca]', 'default_ca = test_ca',
      '[test_ca]', `database = ${f('index.txt')}`, `new_certs_dir = ${dir}`, `serial = ${f('serial')}`,
      'default_md = sha256', 'policy = any_policy', 'unique_subject = no', 'email_in_dn = no',
      '[any_policy]', 'commonName = supplied', '',
    ].join('\n'));
    await openssl('ca', '-batch', '-notext', '-config', f('ca.cnf'), '-cert', f('ca.pem'), '-keyfile', f('ca.key'),
      '-in', f('expired.csr'), '-out', f('expired.pem'), '-extfile', f('expired.ext'),
      '-startdate', '20000101000000Z', '-enddate', '20010101000000Z');

    await openssl('req', '-x509', ...EC, '-keyout', f('self.key'), '-out', f('self.pem'), '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost');

    const pair = async (name: string, certName = name): Promise<KeyPair> => ({
      key: await readFile(f(`${name}.key`), 'utf8'),
      cert: await readFile(f(`${certName}.pem`), 'utf8'),
    });
    return {
      ca: await readFile(f('ca.pem'), 'utf8'),
      valid: await pair('valid'),
      expired: await pair('expired'),
      otherHost: await pair('other'),
      selfSigned: await pair('self'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
