/** `mailwire audit HOST[:PORT]`: what a server really does (smuggling, STARTTLS injection, TLS, AUTH...). */
import { auditServer } from '../audit/run.js';
import { type AuditOptions, type AuditSecurity, type Severity } from '../audit/types.js';
import { SmtpError } from '../errors.js';
import { UsageError, flag, parse, parseHostPort, str, strs } from './args.js';
import { failsOn, printAudit } from './audit-print.js';
import { oneOf } from './config-file.js';
import { readText } from './connection-flags.js';
import { printError } from './format.js';
import { EXIT, line, printJson, type CliIo } from './io.js';

export const AUDIT_HELP = `Usage: mailwire audit HOST[:PORT] [options]

Checks what a server does, not only what it offers: SMTP smuggling (which malformed end-of-data
sequences end a message), STARTTLS command injection, AUTH before TLS, TLS 1.0/1.1, the certificate,
SIZE / PIPELINING / CHUNKING / 8BITMIME / SMTPUTF8 / DSN against behaviour, VRFY/EXPN, software
versions in the banner, and open relay for the domains you name (RCPT only, never DATA).

  --security MODE      starttls (default) | tls (port 465 style) | none
  --to ADDR            an address of YOUR OWN: the smuggling and CHUNKING checks send test messages
                       there (and nowhere else); they are skipped without it
  --from ADDR          envelope sender of the test messages (default: --to)
  --auth-user USER --pass-env VAR   log in before the transactions (submission ports)
  --relay-domain D     try the server as a relay for D (repeatable; RCPT then RSET, never DATA)
  --ca FILE            trust this CA when checking the certificate
  --servername NAME    the name to check the certificate against (default: HOST)
  --max-connections N  connections open at once (default 2)
  --delay-ms N         pause between two connections (default 200)
  --timeout-ms N       longest wait for one reply (default 10000)
  --fail-on LEVEL      low | medium | high (default high): exit 1 when a finding is at or above it
  --evidence           print each finding's transcript lines
  --json               print the report as JSON on stdout

PORT defaults to 587 (starttls), 465 (tls) or 25 (none).
Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage or could not connect.`;

const OPTIONS = {
  security: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  'auth-user': { type: 'string' },
  'pass-env': { type: 'string' },
  'relay-domain': { type: 'string', multiple: true },
  ca: { type: 'string' },
  servername: { type: 'string' },
  'client-name': { type: 'string' },
  'max-connections': { type: 'string' },
  'delay-ms': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'fail-on': { type: 'string' },
  evidence: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_PORTS: Record<AuditSecurity, number> = { starttls: 587, tls: 465, none: 25 };

export async function auditCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 1);
  if (flag(values, 'help')) {
    line(io.stdout, AUDIT_HELP);
    return EXIT.ok;
  }
  const target = positionals[0];
  if (target === undefined) throw new UsageError('missing HOST[:PORT] (e.g. mailwire audit mx.example.com:25 --security starttls)');
  const { host, port } = parseHostPort(target);
  const securityFlag = str(values, 'security');
  const security: AuditSecurity = securityFlag !== undefined ? oneOf(securityFlag, ['starttls', 'tls', 'none'] as const, '--security') : port === 465 ? 'tls' : 'starttls';
  const failOnFlag = str(values, 'fail-on');
  const failOn: Severity = failOnFlag !== undefined ? oneOf(failOnFlag, ['low', 'medium', 'high'] as const, '--fail-on') : 'high';
  const options: AuditOptions = {
    host,
    port: port ?? DEFAULT_PORTS[security],
    security,
    maxConnections: count(values, 'max-connections', 2, 1),
    delayMs: count(values, 'delay-ms', 200, 0),
    timeoutMs: count(values, 'timeout-ms', 10_000, 100),
    relayDomains: strs(values, 'relay-domain').map(domain),
    signal: io.interrupted,
  };
  const to = str(values, 'to');
  if (to !== undefined) options.to = address(to, '--to');
  const from = str(values, 'from');
  if (from !== undefined) options.from = address(from, '--from');
  const clientName = str(values, 'client-name');
  if (clientName !== undefined) options.clientName = domain(clientName);
  const user = str(values, 'auth-user');
  const passEnv = str(values, 'pass-env');
  if ((user === undefined) !== (passEnv === undefined)) throw new UsageError('--auth-user and --pass-env go together');
  if (user !== undefined && passEnv !== undefined) {
    const pass = io.env[passEnv];
    if (pass === undefined || pass === '') throw new UsageError(`--pass-env ${passEnv}: that environment variable is empty or unset`);
    options.auth = { user, pass };
  }
  const ca = str(values, 'ca');
  const servername = str(values, 'servername');
  options.tls = {
    ...(ca !== undefined ? { ca: await readText(ca, io.cwd, '--ca') } : {}),
    ...(servername !== undefined ? { servername } : {}),
  };
  let report;
  try {
    report = await auditServer(options);
  } catch (error) {
    if (!SmtpError.is(error)) throw error;
    printError(io.stderr, 'mailwire audit: ', error);
    return EXIT.usage;
  }
  if (flag(values, 'json')) printJson(io.stdout, report);
  else printAudit(io.stdout, report, failOn, flag(values, 'evidence'));
  return failsOn(report, failOn) ? EXIT.failed : EXIT.ok;
}

function count(values: Record<string, unknown>, name: string, fallback: number, min: number): number {
  const text = values[name];
  if (typeof text !== 'string') return fallback;
  if (!/^\d{1,7}$/.test(text) || Number(text) < min) throw new UsageError(`--${name} must be a whole number >= ${min}`);
  return Number(text);
}

// The audit writes these into commands and headers itself: refuse anything that could break a line.
function address(text: string, what: string): string {
  if (!/^[^\s<>@\x00-\x1f\x7f]+@[A-Za-z0-9.-]+$/.test(text)) throw new UsageError(`${what} '${text}' is not a plain address (local@domain)`);
  return text;
}

function domain(text: string): string {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(text)) throw new UsageError(`'${text}' is not a domain name`);
  return text;
}

