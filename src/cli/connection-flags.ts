/**
 * The connection options shared by `send` and `verify`: flags, merged over the config file, turned into
 * a TransportConfig. Flags win over the file, so one committed file can be adjusted per call.
 *
 * The password never comes from argv (it would sit in shell history and `ps`): it comes from an
 * environment variable (--pass-env), a file (--pass-file), or the config file (usually as "${VAR}").
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TransportConfig } from '../transport/config.js';
import type { TlsSettings } from '../tls/policy.js';
import { UsageError, flag, parseDuration, serverFrom, str, type OptionSpecs, type ParsedValues } from './args.js';
import { AUTH_METHODS, SECURITIES, loadConfigFile, oneOf, toMinTls, type FileConfig } from './config-file.js';
import type { CliIo } from './io.js';

export const CONNECTION_OPTIONS: OptionSpecs = {
  config: { type: 'string', short: 'c' },
  provider: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  server: { type: 'string' },
  security: { type: 'string' },
  user: { type: 'string' },
  'auth-user': { type: 'string' },
  'auth-password': { type: 'string' },
  'pass-env': { type: 'string' },
  'pass-file': { type: 'string' },
  'auth-method': { type: 'string' },
  from: { type: 'string' },
  ca: { type: 'string' },
  servername: { type: 'string' },
  'tls-skip-verify': { type: 'boolean' },
  'min-tls': { type: 'string' },
  'client-name': { type: 'string' },
  timeout: { type: 'string' },
};

export const CONNECTION_HELP = `Connection (flags override the config file):
  -c, --config FILE       JSON: host, port, security, user, pass, from, tls_skip_verify, min_tls,
                          client_name, auth_method, provider, tls_ca_file; "\${ENV}" expands
  --provider NAME         gmail, outlook, office365, yahoo, sendgrid, mailgun, ses:REGION, ...
  HOST[:PORT], --server HOST[:PORT], or --host HOST --port N
                          the server (port default: 587 starttls, 465 tls, 25 none)
  --security MODE         starttls (default; tls when the port is 465) | tls | opportunistic | none
  --user USER             authenticate as USER (also --auth-user), with the password from:
  --pass-env VAR          ... the environment variable VAR, or
  --pass-file FILE        ... the first line of FILE, or
  --auth-password PASS    ... the command line (swaks' habit: visible in ps and shell history)
  --auth-method M         auto | plain | login | cram-md5 | scram-sha-256 | xoauth2 | oauthbearer (pass = token)
  --ca FILE               trust this CA / self-signed certificate (PEM)
  --servername NAME       the name to verify the certificate against (default: --host)
  --tls-skip-verify       do not verify the certificate (testing only)
  --min-tls VERSION       TLSv1.2 (default) or TLSv1.3
  --client-name NAME      EHLO name (default: this host's name)
  --timeout DURATION      connect/greeting/command timeout, e.g. 10s`;

export interface ConnectionSetup {
  config: TransportConfig;
  /** Said on stderr before anything is sent (e.g. certificate checks are off). */
  warnings: string[];
}

export async function buildConnection(values: ParsedValues, io: CliIo, positional?: string): Promise<ConnectionSetup> {
  const configPath = str(values, 'config');
  const file: FileConfig = configPath ? await loadConfigFile(configPath, io.env, io.cwd) : {};
  const warnings: string[] = [];
  const config: TransportConfig = {};

  const provider = str(values, 'provider') ?? file.provider;
  if (provider !== undefined) config.provider = provider;
  const server = serverFrom(values, positional);
  const host = server?.host ?? file.host;
  if (host !== undefined) config.host = host;
  const port = server?.port ?? file.port;
  if (port !== undefined) config.port = port;
  const securityFlag = str(values, 'security');
  const security = securityFlag !== undefined ? oneOf(securityFlag, SECURITIES, '--security') : file.security;
  if (security !== undefined) config.security = security;
  if (config.host === undefined && config.provider === undefined) {
    throw new UsageError('no server given: use HOST[:PORT], --server HOST[:PORT] or --host HOST (or --provider NAME, or --config FILE)');
  }

  const from = str(values, 'from') ?? file.from;
  if (from !== undefined) config.from = from;
  const clientName = str(values, 'client-name') ?? file.clientName;
  if (clientName !== undefined) config.clientName = clientName;

  const userFlag = str(values, 'user');
  const authUser = str(values, 'auth-user');
  if (userFlag !== undefined && authUser !== undefined && userFlag !== authUser) throw new UsageError('--user and --auth-user differ: give one');
  const user = userFlag ?? authUser ?? file.user;
  const pass = (await passwordFromFlags(values, io)) ?? file.pass;
  if (str(values, 'auth-password') !== undefined) warnings.push('the password was given on the command line (--auth-password): it is visible in ps and shell history; prefer --pass-env VAR');
  const methodFlag = str(values, 'auth-method');
  const method = methodFlag !== undefined ? oneOf(methodFlag.toLowerCase(), AUTH_METHODS, '--auth-method') : file.authMethod;
  if (user !== undefined) {
    if (pass === undefined) throw new UsageError(`no password for ${user}: use --pass-env VAR, --pass-file FILE, or "pass" in the config file`);
    config.auth = method === 'xoauth2' || method === 'oauthbearer' ? { user, accessToken: pass, method } : { user, pass, ...(method ? { method } : {}) };
  } else if (pass !== undefined) {
    throw new UsageError('a password was given but no user: add --user USER (or "user" in the config file)');
  }

  const tls: TlsSettings = {};
  const caFile = str(values, 'ca') ?? file.tlsCaFile;
  if (caFile !== undefined) tls.ca = await readText(caFile, io.cwd, '--ca');
  else if (file.tlsCa !== undefined) tls.ca = file.tlsCa;
  const servername = str(values, 'servername');
  if (servername !== undefined) tls.servername = servername;
  const minTls = str(values, 'min-tls');
  const minVersion = minTls !== undefined ? toMinTls(minTls, '--min-tls') : file.minTls;
  if (minVersion !== undefined) tls.minVersion = minVersion;
  if (flag(values, 'tls-skip-verify') || file.tlsSkipVerify) {
    tls.rejectUnauthorized = false;
    warnings.push('certificate verification is OFF (--tls-skip-verify): anyone on the path can read the password');
  }
  if (Object.keys(tls).length > 0) config.tls = tls;

  const timeout = str(values, 'timeout');
  if (timeout !== undefined) {
    const t = parseDuration(timeout, '--timeout');
    config.timeouts = { connectMs: t, greetingMs: t, commandMs: t };
  }
  return { config, warnings };
}

/** The password from --pass-env or --pass-file, if either was given. */
export async function passwordFromFlags(values: ParsedValues, io: CliIo): Promise<string | undefined> {
  const envName = str(values, 'pass-env');
  const passFile = str(values, 'pass-file');
  const given = str(values, 'auth-password');
  if ([envName, passFile, given].filter((v) => v !== undefined).length > 1) throw new UsageError('give one of --pass-env, --pass-file or --auth-password');
  if (given !== undefined) {
    if (given === '') throw new UsageError('--auth-password is empty');
    return given;
  }
  if (envName !== undefined) {
    const value = io.env[envName];
    if (value === undefined || value === '') throw new UsageError(`--pass-env ${envName}: the environment variable ${envName} is not set (or is empty)`);
    return value;
  }
  if (passFile !== undefined) {
    // Only the first line: files written with `echo` end in a newline that is not part of the password.
    const first = (await readText(passFile, io.cwd, '--pass-file')).split(/\r?\n/)[0] ?? '';
    if (first === '') throw new UsageError(`--pass-file ${passFile}: the file is empty`);
    return first;
  }
  return undefined;
}

export async function readText(file: string, cwd: string, what: string): Promise<string> {
  try {
    return await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`${what} ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
