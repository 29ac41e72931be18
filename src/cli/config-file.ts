/**
 * The JSON config file of `mailwire send` / `verify`: the library's flat configuration (loadConfig():
 *   "host", "port", "security" | "secure" | "encryption", "user", "pass", "from", "tls_skip_verify",
 *   "min_tls", "client_name", "auth_method", "provider", "tls_ca") plus "tls_ca_file", read by the same
 * table, so the file and an application's settings refuse the same unknown keys.
 * Any string may hold "${NAME}" (or "${NAME:-default}"), expanded from the environment, so the file can be
 * committed while the secret stays in CI's environment. A variable that is not set is an error that names
 * it: sending with an empty password would only produce a confusing EAUTH later. "$${" is a literal "${".
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SECURITY_MODES, type Security } from '../connection/options.js';
import type { AuthMethod } from '../sasl/select.js';
import { readFlatConfig, type FlatSettings } from '../transport/load-config.js';
import { UsageError } from './args.js';

/** The file's keys as loadConfig() reads them (flat, typed), plus the CLI's own tls_ca_file. */
export interface FileConfig extends FlatSettings {
  /** Absolute path (relative paths in the file are taken from the file's own directory). */
  tlsCaFile?: string;
}

export const SECURITIES: readonly Security[] = SECURITY_MODES;
export const AUTH_METHODS: readonly AuthMethod[] = ['auto', 'plain', 'login', 'cram-md5', 'xoauth2', 'oauthbearer', 'scram-sha-256'];

/** Expands "${NAME}" / "${NAME:-default}" in one string; `where` names the place for the error message. */
export function expandEnv(text: string, env: Record<string, string | undefined>, where: string): string {
  return text.replace(/\$(\$)?\{([^}]*)\}/g, (whole, escaped: string | undefined, inner: string) => {
    if (escaped) return whole.slice(1);
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
    if (!match) throw new UsageError(`${where}: "\${${inner}}" is not a valid variable reference (use \${NAME} or \${NAME:-default})`);
    const name = match[1] as string;
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (match[2] !== undefined) return match[2];
    throw new UsageError(`${where} refers to \${${name}}, but the environment variable ${name} is not set (or is empty)`);
  });
}

export async function loadConfigFile(file: string, env: Record<string, string | undefined>, cwd: string): Promise<FileConfig> {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`the config file ${file} must hold a JSON object`);
  // "${VAR}" is expanded first, so the values are checked as the library's loadConfig() checks them.
  const expanded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    expanded[key] = typeof value === 'string' ? expandEnv(value, env, `the config file ${file}: "${key}"`) : value;
  }
  const fail = (detail: string): Error => new UsageError(`the config file ${file}: ${detail}`);
  const settings = readFlatConfig(expanded, fail, ['tls_ca_file']);
  const out: FileConfig = { ...settings };
  const ca = expanded.tls_ca_file;
  if (ca !== undefined && ca !== null) {
    if (typeof ca !== 'string') throw fail('"tls_ca_file" must be a string');
    out.tlsCaFile = path.resolve(path.dirname(absolute), ca);
  }
  return out;
}

export function toMinTls(value: string, where: string): 'TLSv1.2' | 'TLSv1.3' {
  const text = value.trim().replace(/^tlsv?/i, '');
  if (text === '1.2') return 'TLSv1.2';
  if (text === '1.3') return 'TLSv1.3';
  throw new UsageError(`${where} must be TLSv1.2 or TLSv1.3, got ${JSON.stringify(value)}`);
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${where} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}
