/**
 * The interop tests' view of the real servers that servers-up.sh starts: where they listen, how to
 * trust and log in to them, and what they received. Interop tests call requireServers() and fail
 * loudly when the servers are missing: they are only run by `npm run test:interop`, after
 * servers-up.sh, so a missing server is a broken setup, never a reason to skip.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_INTEROP_DIR = '/tmp/mw-interop';

export interface InteropPorts {
  /** Postfix, plain: no TLS, no AUTH; PIPELINING CHUNKING 8BITMIME SMTPUTF8 DSN SIZE */
  readonly postfix: number;
  /** Postfix: STARTTLS required, then AUTH PLAIN/LOGIN required */
  readonly submission: number;
  /** Postfix: implicit TLS, AUTH PLAIN/LOGIN required */
  readonly smtps: number;
  /** smtp-sink: accepts and discards everything; stores nothing */
  readonly sink: number;
  /** aiosmtpd, plain */
  readonly aiosmtpd: number;
  /** aiosmtpd: STARTTLS required, then AUTH PLAIN/LOGIN required */
  readonly aiosmtpdTls: number;
}

export interface InteropServers {
  readonly dir: string;
  readonly host: string;
  readonly ports: InteropPorts;
  readonly auth: { readonly user: string; readonly pass: string };
  /** the SIZE every storing server advertises and enforces, in bytes */
  readonly sizeLimit: number;
  readonly tls: {
    /** PEM of the test CA that signed every server certificate */
    readonly caPem: string;
    readonly ca: string;
    readonly caKey: string;
    readonly cert: string;
    readonly key: string;
    /** the name in the server certificate (its SANs also hold 127.0.0.1 and ::1) */
    readonly serverName: string;
  };
  /** postfix: a Maildir (new/ holds one file per recipient); aiosmtpd: <name>.eml + <name>.json */
  readonly maildir: { readonly postfix: string; readonly aiosmtpd: string };
  readonly logs: string;
}

export function interopDir(): string {
  return process.env['MW_INTEROP_DIR'] || DEFAULT_INTEROP_DIR;
}

/** The servers described by servers.json, or undefined when they are not up. */
export function loadInteropServers(dir: string = interopDir()): InteropServers | undefined {
  const found = inspect(dir);
  return 'servers' in found ? found.servers : undefined;
}

/** Like loadInteropServers, but throws an error that says what is missing and how to fix it. */
export function requireServers(dir: string = interopDir()): InteropServers {
  const found = inspect(dir);
  if ('servers' in found) return found.servers;
  throw new Error(
    `mailwire interop servers are not available: ${found.problem}. ` +
      'Start them as root with `bash test/interop/servers-up.sh` ' +
      '(and set MW_INTEROP_DIR if they use a state directory other than /tmp/mw-interop).',
  );
}

function inspect(dir: string): { servers: InteropServers } | { problem: string } {
  const path = join(dir, 'servers.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { problem: `${path} does not exist` };
  }
  let servers: InteropServers;
  let pidFiles: Record<string, string>;
  try {
    const json: unknown = JSON.parse(text);
    if (field(json, 'version') !== 1) throw new Error('unknown version');
    const ports = record(field(json, 'ports'), 'number');
    const tls = record(field(json, 'tls'), 'string');
    const auth = record(field(json, 'auth'), 'string');
    const maildir = record(field(json, 'maildir'), 'string');
    pidFiles = record(field(json, 'pidFiles'), 'string');
    const ca = need(tls, 'ca');
    servers = {
      dir: str(field(json, 'dir')),
      host: str(field(json, 'host')),
      ports: {
        postfix: need(ports, 'postfix'),
        submission: need(ports, 'submission'),
        smtps: need(ports, 'smtps'),
        sink: need(ports, 'sink'),
        aiosmtpd: need(ports, 'aiosmtpd'),
        aiosmtpdTls: need(ports, 'aiosmtpdTls'),
      },
      auth: { user: need(auth, 'user'), pass: need(auth, 'pass') },
      sizeLimit: num(field(json, 'sizeLimit')),
      tls: {
        caPem: readFileSync(ca, 'utf8'),
        ca,
        caKey: need(tls, 'caKey'),
        cert: need(tls, 'cert'),
        key: need(tls, 'key'),
        serverName: need(tls, 'serverName'),
      },
      maildir: { postfix: need(maildir, 'postfix'), aiosmtpd: need(maildir, 'aiosmtpd') },
      logs: str(field(json, 'logs')),
    };
  } catch (err) {
    return { problem: `${path} is unreadable or malformed (${(err as Error).message}); re-run servers-up.sh` };
  }
  for (const [name, pidFile] of Object.entries(pidFiles)) {
    if (!running(pidFile)) return { problem: `${name} is not running (pid file ${pidFile})` };
  }
  return { servers };
}

function running(pidFile: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  } catch (err) {
    // A pid file we may not read (tests not run as root) still proves the server was started.
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function field(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null) throw new Error(`expected an object around "${key}"`);
  return (obj as Record<string, unknown>)[key];
}
function str(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${typeof v}`);
  return v;
}
function num(v: unknown): number {
  if (typeof v !== 'number') throw new Error(`expected a number, got ${typeof v}`);
  return v;
}
function record<K extends 'string' | 'number'>(
  v: unknown,
  kind: K,
): Record<string, K extends 'string' ? string : number> {
  if (typeof v !== 'object' || v === null) throw new Error('expected an object');
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== kind) throw new Error(`"${k}" should be a ${kind}`);
  }
  return v as Record<string, K extends 'string' ? string : number>;
}
function need<T>(rec: Record<string, T>, key: string): T {
  const v = rec[key];
  if (v === undefined) throw new Error(`"${key}" is missing`);
  return v;
}

/** A string unlikely to occur anywhere else, safe in an address local part, a header and a file name. */
export function uniqueToken(label = 'mw'): string {
  const safe = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `${safe}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

export * from './mailboxes.js';
