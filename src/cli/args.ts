/**
 * Argument parsing for every command: node:util parseArgs in strict mode, with its errors turned into
 * UsageError (exit code 2) and messages that say what to type instead. Plus the value parsers the
 * commands share (ports, counts, sizes, durations, HOST[:PORT]).
 */
import { parseArgs } from 'node:util';

/** A mistake in how the command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Parsed {
  values: ParsedValues;
  positionals: string[];
}

/** Options a user reaches for that we refuse on purpose, with the reason. */
const REFUSED: Record<string, string> = {
  pass: 'passwords on the command line end up in shell history and `ps`: use --pass-env VAR or --pass-file FILE',
  password: 'passwords on the command line end up in shell history and `ps`: use --pass-env VAR or --pass-file FILE',
  // swaks' and nodemailer's words for the security mode.
  secure: 'use --security tls (implicit TLS, port 465) or --security starttls (port 587, the default)',
  ssl: 'use --security tls (implicit TLS, port 465)',
  tls: 'use --security starttls (STARTTLS required: the default)',
  tlsc: 'use --security tls (TLS on connect)',
  'tls-on-connect': 'use --security tls (TLS on connect)',
  tlso: 'use --security opportunistic (STARTTLS when offered)',
  'tls-optional': 'use --security opportunistic (STARTTLS when offered)',
};

export function parse(argv: string[], options: OptionSpecs, maxPositionals = 0): Parsed {
  for (const arg of argv) {
    if (arg === '--') break;
    const name = /^--([^=]+)/.exec(arg)?.[1];
    if (name !== undefined && !(name in options) && REFUSED[name] !== undefined) {
      throw new UsageError(`--${name} is not accepted: ${REFUSED[name]}`);
    }
  }
  let result: Parsed;
  try {
    result = parseArgs({ args: argv, options, strict: true, allowPositionals: maxPositionals > 0 }) as Parsed;
  } catch (error) {
    throw new UsageError(describeParseError(error, options));
  }
  if (result.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${result.positionals[maxPositionals] ?? ''}'`);
  }
  return result;
}

function describeParseError(error: unknown, options: OptionSpecs): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^']*)'/.exec(message)?.[1] ?? '?';
    const suggestion = closest(flag.replace(/^-+/, '').replace(/=.*$/, ''), Object.keys(options));
    return `unknown option ${flag}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(--?[\w-]+)/.exec(message)?.[1];
    if (flag && /argument missing/.test(message)) return `${flag} needs a value`;
    if (flag && /does not take an argument/.test(message)) return `${flag} is a switch and takes no value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1] ?? '';
    return `unexpected argument '${arg}'`;
  }
  return message;
}

/** The known option nearest to a typo, when it is near enough to be a plausible suggestion. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

// ---- typed access to parsed values ----

export function str(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function strs(values: ParsedValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function flag(values: ParsedValues, name: string): boolean {
  return values[name] === true;
}

// ---- value parsers ----

export function parsePort(text: string, what = '--port'): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`${what} must be a number from 1 to 65535, got '${text}'`);
  }
  return Number(text);
}

export function parseCount(text: string, what: string, min = 1, max = 10_000_000): number {
  const value = Number(text.replace(/_/g, ''));
  if (!/^\d[\d_]*$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** "1024", "10k", "1.5MiB" -> bytes. */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined) throw new UsageError(`${what} must be a size like 1024, 10k or 2m, got '${text}'`);
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < 1) throw new UsageError(`${what} must be at least 1 byte`);
  return bytes;
}

const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, '': 1000, m: 60_000, min: 60_000 };

/** "5s", "500ms", "2m", "10" (seconds) -> milliseconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = TIME_UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined) throw new UsageError(`${what} must be a duration like 5s, 500ms or 2m, got '${text}'`);
  const ms = Number(match[1]) * unit;
  if (!(ms > 0)) throw new UsageError(`${what} must be longer than 0`);
  return ms;
}

/** "host", "host:587", "[::1]:25", "::1" -> host and optional port. */
export function parseHostPort(text: string, what = 'HOST[:PORT]'): { host: string; port?: number } {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    const host = bracketed[1] ?? '';
    return bracketed[2] === undefined ? { host } : { host, port: parsePort(bracketed[2], `the port in ${what}`) };
  }
  const colons = value.split(':').length - 1;
  if (colons === 1) {
    const [host = '', port = ''] = value.split(':');
    if (host === '') throw new UsageError(`${what}: missing host in '${text}'`);
    return { host, port: parsePort(port, `the port in ${what}`) };
  }
  if (value === '' || /[\s/@]/.test(value)) throw new UsageError(`${what}: '${text}' is not a host name or address`);
  return { host: value }; // no colon, or a bare IPv6 address
}

/**
 * Where to connect, from any of the forms people type: `HOST[:PORT]` as an argument, `--server HOST[:PORT]`
 * (swaks), or `--host HOST --port N`. Two forms that name different servers are a usage error; undefined
 * when none is given.
 */
export function serverFrom(values: ParsedValues, positional: string | undefined): { host?: string; port?: number } | undefined {
  const server = str(values, 'server');
  if (server !== undefined && positional !== undefined) throw new UsageError(`give the server once: '${positional}' or --server ${server}, not both`);
  const combined = server ?? positional;
  const parsed = combined === undefined ? undefined : parseHostPort(combined, server !== undefined ? '--server' : 'HOST[:PORT]');
  const hostFlag = str(values, 'host');
  const portFlag = str(values, 'port');
  const port = portFlag === undefined ? undefined : parsePort(portFlag);
  if (parsed) {
    if (hostFlag !== undefined && hostFlag !== parsed.host) throw new UsageError(`--host ${hostFlag} and '${combined}' name different servers: give one`);
    if (port !== undefined && parsed.port !== undefined && port !== parsed.port) throw new UsageError(`--port ${port} and '${combined}' name different ports: give one`);
    const p = parsed.port ?? port;
    return p === undefined ? { host: parsed.host } : { host: parsed.host, port: p };
  }
  if (hostFlag === undefined && port === undefined) return undefined;
  return { ...(hostFlag !== undefined ? { host: hostFlag } : {}), ...(port !== undefined ? { port } : {}) };
}
