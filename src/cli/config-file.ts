/**
 * The JSON config file of `mailwire send` / `verify`:
 *   { "host", "port", "security", "user", "pass", "from", "tls_skip_verify", "min_tls", "client_name",
 *     "auth_method", "provider", "tls_ca_file" }
 * Any string may hold "${NAME}" (or "${NAME:-default}"), expanded from the environment, so the file can be
 * committed while the secret stays in CI's environment. A variable that is not set is an error that names
 * it: sending with an empty password would only produce a confusing EAUTH later. "$${" is a literal "${".
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SECURITY_MODES, type Security } from '../connection/options.js';
import type { AuthMethod } from '../sasl/select.js';
import { UsageError } from './args.js';

export interface FileConfig {
  provider?: string;
  host?: string;
  port?: number;
  security?: Security;
  user?: string;
  pass?: string;
  from?: string;
  tlsSkipVerify?: boolean;
  minTls?: 'TLSv1.2' | 'TLSv1.3';
  clientName?: string;
  authMethod?: AuthMethod;
  /** Absolute path (relative paths in the file are taken from the file's own directory). */
  tlsCaFile?: string;
}

const KEYS = ['provider', 'host', 'port', 'security', 'user', 'pass', 'from', 'tls_skip_verify', 'min_tls', 'client_name', 'auth_method', 'tls_ca_file'] as const;
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
  const out: FileConfig = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`the config file ${file} has an unknown key "${key}" (known: ${KEYS.join(', ')})`);
    }
    if (value === null || value === undefined) continue;
    const where = `the config file ${file}: "${key}"`;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new UsageError(`${where} must be a string, number or boolean`);
    }
    const expanded = typeof value === 'string' ? expandEnv(value, env, where) : value;
    apply(out, key as (typeof KEYS)[number], expanded, where, path.dirname(absolute));
  }
  return out;
}

function apply(out: FileConfig, key: (typeof KEYS)[number], value: string | number | boolean, where: string, dir: string): void {
  switch (key) {
    case 'port':
      out.port = toPort(value, where);
      break;
    case 'tls_skip_verify':
      out.tlsSkipVerify = toBoolean(value, where);
      break;
    case 'security':
      out.security = oneOf(String(value), SECURITIES, where);
      break;
    case 'auth_method':
      out.authMethod = oneOf(String(value).toLowerCase(), AUTH_METHODS, where);
      break;
    case 'min_tls':
      out.minTls = toMinTls(String(value), where);
      break;
    case 'tls_ca_file':
      out.tlsCaFile = path.resolve(dir, String(value));
      break;
    case 'client_name':
      out.clientName = String(value);
      break;
    default:
      out[key] = String(value);
  }
}

function toPort(value: string | number | boolean, where: string): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${where} must be a port from 1 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

function toBoolean(value: string | number | boolean, where: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no', ''].includes(text)) return false;
  throw new UsageError(`${where} must be true or false, got ${JSON.stringify(value)}`);
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
