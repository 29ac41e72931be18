import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { expandEnv, loadConfigFile } from '../../src/cli/config-file.js';

describe('expandEnv', () => {
  const env = { HOST: 'smtp.example.com', EMPTY: '', PASS: 'p@ss ${NOT_EXPANDED_TWICE}' };

  it('replaces whole and embedded references', () => {
    expect(expandEnv('${HOST}', env, 'x')).toBe('smtp.example.com');
    expect(expandEnv('mail.${HOST}:25', env, 'x')).toBe('mail.smtp.example.com:25');
    expect(expandEnv('no references', env, 'x')).toBe('no references');
  });

  it('does not expand inside expanded values', () => {
    expect(expandEnv('${PASS}', env, 'x')).toBe('p@ss ${NOT_EXPANDED_TWICE}');
  });

  it('a missing or empty variable is an error naming it and the place', () => {
    expect(() => expandEnv('${SMTP_PASS}', env, 'the config file a.json: "pass"')).toThrow(
      'the config file a.json: "pass" refers to ${SMTP_PASS}, but the environment variable SMTP_PASS is not set (or is empty)',
    );
    expect(() => expandEnv('${EMPTY}', env, 'x')).toThrow(UsageError);
  });

  it('supports ${NAME:-default} and $${ as a literal', () => {
    expect(expandEnv('${MISSING:-587}', env, 'x')).toBe('587');
    expect(expandEnv('${EMPTY:-fallback}', env, 'x')).toBe('fallback');
    expect(expandEnv('${HOST:-fallback}', env, 'x')).toBe('smtp.example.com');
    expect(expandEnv('cost: $${HOST}', env, 'x')).toBe('cost: ${HOST}');
  });

  it('rejects malformed references', () => {
    expect(() => expandEnv('${1BAD}', env, 'x')).toThrow(/not a valid variable reference/);
    expect(() => expandEnv('${}', env, 'x')).toThrow(UsageError);
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  const write = async (name: string, content: unknown): Promise<string> => {
    await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return name;
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-config-'));
  });

  it('maps every key, coerces strings from the environment, and resolves tls_ca_file next to the file', async () => {
    const file = await write('full.json', {
      provider: 'sendgrid', host: '${H}', port: '${P}', security: 'tls', user: 'apikey', pass: '${K}', from: 'a@example.test',
      tls_skip_verify: '${SKIP}', min_tls: 'TLSv1.3', client_name: 'me.example', auth_method: 'LOGIN', tls_ca_file: 'certs/ca.pem',
    });
    const config = await loadConfigFile(file, { H: 'h.example', P: '2465', K: 'key', SKIP: 'true' }, dir);
    expect(config).toEqual({
      provider: 'sendgrid', host: 'h.example', port: 2465, security: 'tls', user: 'apikey', pass: 'key', from: 'a@example.test',
      tlsSkipVerify: true, minTls: 'TLSv1.3', clientName: 'me.example', authMethod: 'login', tlsCaFile: path.join(dir, 'certs/ca.pem'),
    });
  });

  it('refuses unknown keys (typos), wrong types and bad values with the file and key named', async () => {
    await expect(loadConfigFile(await write('typo.json', { hots: 'x' }), {}, dir)).rejects.toThrow(/unknown key "hots"/);
    await expect(loadConfigFile(await write('obj.json', { host: { a: 1 } }), {}, dir)).rejects.toThrow(/"host" must be a string/);
    await expect(loadConfigFile(await write('port.json', { port: 'smtp' }), {}, dir)).rejects.toThrow(/"port" must be a port/);
    await expect(loadConfigFile(await write('sec.json', { security: 'ssl' }), {}, dir)).rejects.toThrow(/"security" must be one of/);
    await expect(loadConfigFile(await write('bool.json', { tls_skip_verify: 'maybe' }), {}, dir)).rejects.toThrow(/true or false/);
    await expect(loadConfigFile(await write('tls.json', { min_tls: '1.1' }), {}, dir)).rejects.toThrow(/TLSv1.2 or TLSv1.3/);
  });

  it('bad JSON, a non-object and a missing file are usage errors', async () => {
    await expect(loadConfigFile(await write('bad.json', '{ host: x }'), {}, dir)).rejects.toThrow(/is not valid JSON/);
    await expect(loadConfigFile(await write('arr.json', '[]'), {}, dir)).rejects.toThrow(/must hold a JSON object/);
    await expect(loadConfigFile('absent.json', {}, dir)).rejects.toThrow(/cannot read the config file absent.json: ENOENT/);
    await expect(loadConfigFile('absent.json', {}, dir)).rejects.toBeInstanceOf(UsageError);
  });

  it('null values are treated as absent', async () => {
    expect(await loadConfigFile(await write('null.json', { host: 'h', user: null }), {}, dir)).toEqual({ host: 'h' });
  });
});

describe('loadConfigFile goes through loadConfig', () => {
  it('accepts secure / encryption and the nearest-name advice of the library', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-config-'));
    await writeFile(path.join(dir, 'enc.json'), JSON.stringify({ host: 'h', encryption: 'ssl', tls_ca: 'PEM' }));
    expect(await loadConfigFile('enc.json', {}, dir)).toEqual({ host: 'h', security: 'tls', tlsCa: 'PEM' });
    await writeFile(path.join(dir, 'typo.json'), JSON.stringify({ host: 'h', usr: 'x' }));
    await expect(loadConfigFile('typo.json', {}, dir)).rejects.toThrow('the config file typo.json: unknown key "usr": did you mean user?');
  });
});
