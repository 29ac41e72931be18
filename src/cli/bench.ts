/** `mailwire bench HOST[:PORT]`: load a server and report throughput, latency percentiles and errors. */
import os from 'node:os';
import { defaultPort, type Security } from '../connection/options.js';
import { BENCH_ENGINES, runBench, type BenchOptions, type BenchResult, type BenchTarget } from '../bench-engine/index.js';
import { UsageError, flag, parse, serverFrom, parseCount, parseDuration, parseSize, str } from './args.js';
import { AUTH_METHODS, SECURITIES, oneOf, toMinTls } from './config-file.js';
import { passwordFromFlags, readText } from './connection-flags.js';
import { bytes, count, ms } from './format.js';
import { EXIT, line, printJson, type CliIo, type OutputStream } from './io.js';
import { progressBar } from './progress.js';

export const BENCH_HELP = `Usage: mailwire bench HOST[:PORT] [options]   (or --server HOST[:PORT], or --host HOST --port N)

Sends generated messages as fast as the server takes them; prints throughput, latency (p50/p95/p99/max,
per message from send to the final reply) and errors by code. A progress bar is drawn on stderr when it
is a terminal.

  --connections N     SMTP sessions at once (default 4)
  --messages M        messages in total (default 1000)
  --duration TIME     send for this long instead (e.g. 5s); with --messages, whichever ends first
  --size BYTES        message size, e.g. 1024, 10k, 1m (default 1k)
  --recipients R      recipients per message (default 1)
  --no-pipelining     one transaction at a time per session, no PIPELINING
  --engine E          pump (default): the client opens each session (TLS, AUTH), then a lean loop sends
                      the prepared messages on it, every reply checked | client: every message through
                      the library's SmtpConnection.send() (measures the client itself)
  --workers N|auto    spread the sessions over N threads (auto: one per core; default 1)
  --security MODE     opportunistic (default: STARTTLS when offered) | starttls | tls | none
  --user USER --pass-env VAR | --pass-file FILE    authenticate every session
  --auth-method M     auto | plain | login | cram-md5 | scram-sha-256
  --ca FILE           trust this certificate; --tls-skip-verify to not check it (testing only)
  --servername NAME   the name to verify the certificate against
  --min-tls VERSION   TLSv1.2 (default) or TLSv1.3
  --from ADDR         envelope sender (default bench@mailwire.test)
  --rcpt-domain D     recipients are rcpt1@D ... (default example.test)
  --timeout TIME      per command (default 30s)
  --json              print the result as JSON on stdout

PORT defaults to 587 (25 with --security none, 465 with tls).
Exit codes: 0 every message was accepted, 1 some were not (see errors), 2 usage error.`;

const OPTIONS = {
  server: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  connections: { type: 'string', short: 'c' },
  messages: { type: 'string', short: 'n' },
  duration: { type: 'string', short: 'd' },
  size: { type: 'string' },
  recipients: { type: 'string' },
  'no-pipelining': { type: 'boolean' },
  engine: { type: 'string' },
  workers: { type: 'string', short: 'w' },
  security: { type: 'string' },
  user: { type: 'string' },
  'auth-user': { type: 'string' },
  'auth-password': { type: 'string' },
  'pass-env': { type: 'string' },
  'pass-file': { type: 'string' },
  'auth-method': { type: 'string' },
  ca: { type: 'string' },
  servername: { type: 'string' },
  'tls-skip-verify': { type: 'boolean' },
  'min-tls': { type: 'string' },
  'client-name': { type: 'string' },
  from: { type: 'string' },
  'rcpt-domain': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 1);
  if (flag(values, 'help')) {
    line(io.stdout, BENCH_HELP);
    return EXIT.ok;
  }
  const server = serverFrom(values, positionals[0]);
  if (server?.host === undefined) throw new UsageError('missing HOST[:PORT] (e.g. mailwire bench 127.0.0.1:2525)');
  const hostPort = { host: server.host, port: server.port };
  const securityFlag = str(values, 'security');
  const security: Security = securityFlag !== undefined ? oneOf(securityFlag, SECURITIES, '--security') : 'opportunistic';
  const benchTarget: BenchTarget = { host: hostPort.host, port: hostPort.port ?? defaultPort(security), security };

  const tls: NonNullable<BenchTarget['tls']> = {};
  const ca = str(values, 'ca');
  if (ca !== undefined) tls.ca = await readText(ca, io.cwd, '--ca');
  const servername = str(values, 'servername');
  if (servername !== undefined) tls.servername = servername;
  const minTls = str(values, 'min-tls');
  if (minTls !== undefined) tls.minVersion = toMinTls(minTls, '--min-tls');
  if (flag(values, 'tls-skip-verify')) tls.rejectUnauthorized = false;
  if (Object.keys(tls).length) benchTarget.tls = tls;

  const user = str(values, 'user') ?? str(values, 'auth-user');
  const pass = await passwordFromFlags(values, io);
  if (user !== undefined) {
    if (pass === undefined) throw new UsageError(`no password for ${user}: use --pass-env VAR or --pass-file FILE`);
    const method = str(values, 'auth-method');
    benchTarget.auth = { user, pass, ...(method !== undefined ? { method: oneOf(method.toLowerCase(), AUTH_METHODS, '--auth-method') } : {}) };
  } else if (pass !== undefined) {
    throw new UsageError('a password was given but no --user');
  }
  const clientName = str(values, 'client-name');
  if (clientName !== undefined) benchTarget.clientName = clientName;
  const timeout = str(values, 'timeout');
  if (timeout !== undefined) benchTarget.timeoutMs = parseDuration(timeout, '--timeout');

  const duration = str(values, 'duration');
  const messages = str(values, 'messages');
  const workers = str(values, 'workers');
  const options: BenchOptions = {
    target: benchTarget,
    connections: parseCount(str(values, 'connections') ?? '4', '--connections', 1, 10_000),
    size: parseSize(str(values, 'size') ?? '1k', '--size'),
    recipients: parseCount(str(values, 'recipients') ?? '1', '--recipients', 1, 1000),
    pipelining: !flag(values, 'no-pipelining'),
    engine: oneOf(str(values, 'engine') ?? 'pump', BENCH_ENGINES, '--engine'),
    workers: workers === 'auto' ? os.availableParallelism() : parseCount(workers ?? '1', '--workers', 1, 256),
    from: str(values, 'from') ?? 'bench@mailwire.test',
    recipientDomain: str(values, 'rcpt-domain') ?? 'example.test',
  };
  if (duration !== undefined) options.durationMs = parseDuration(duration, '--duration');
  if (messages !== undefined || duration === undefined) options.messages = parseCount(messages ?? '1000', '--messages');

  const bar = progressBar(io.stderr, { ...(options.messages !== undefined ? { total: options.messages } : {}), ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}) });
  let result: BenchResult;
  try {
    result = await runBench(options, { signal: io.interrupted, onProgress: (p) => bar.update(p.sent + p.failed, p.failed, p.elapsedMs) });
  } finally {
    bar.finish();
  }
  if (flag(values, 'json')) printJson(io.stdout, result);
  else printBench(io.stdout, result);
  const incomplete = result.messages.failed > 0 || result.messages.sent === 0 || (result.messages.notAttempted > 0 && !result.interrupted && options.durationMs === undefined);
  return incomplete ? EXIT.failed : EXIT.ok;
}

/** The human form of a bench result (also used by the demo). */
export function printBench(out: OutputStream, r: BenchResult): void {
  const row = (label: string, text: string): void => line(out, `  ${label.padEnd(11)} ${text}`);
  const host = r.target.host.includes(':') ? `[${r.target.host}]` : r.target.host;
  line(out, `bench ${host}:${r.target.port}, security ${securityWords(r.target.security)}: ${r.connections} connection${r.connections === 1 ? '' : 's'}, ${r.workers} thread${r.workers === 1 ? '' : 's'}, ${bytes(r.size)} messages, ${r.recipients} recipient${r.recipients === 1 ? '' : 's'}, pipelining ${r.pipelining ? 'on' : 'off'}, engine ${r.engine}`);
  const of = r.messages.requested !== null ? ` of ${count(r.messages.requested)}` : '';
  row('messages', `${count(r.messages.sent)} sent, ${count(r.messages.failed)} failed${of} in ${ms(r.durationMs)}${r.interrupted ? ' (interrupted)' : ''}`);
  row('throughput', `${count(r.throughput.messagesPerSec)} msg/s, ${bytes(r.throughput.bytesPerSec)}/s`);
  const l = r.latencyMs;
  row('latency', l ? `p50 ${ms(l.p50)} · p95 ${ms(l.p95)} · p99 ${ms(l.p99)} · max ${ms(l.max)}` : '-');
  const errors = Object.entries(r.errors);
  const connErrors = Object.entries(r.connectionErrors);
  const sessionFailures = connErrors.map(([code, n]) => `${code} ${count(n)}`).join(', ');
  // Sessions that never opened are errors too: when none opened, no message was even tried, and "errors
  // none" would read as success.
  if (errors.length) row('errors', errors.map(([code, n]) => `${code} ${count(n)}`).join(', '));
  else if (connErrors.length && r.sessionsOpened === 0) row('errors', `no session could be opened: ${sessionFailures}`);
  else row('errors', connErrors.length ? `none in messages; sessions failed to open: ${sessionFailures}` : 'none');
  if (connErrors.length) row('sessions', `${r.sessionsOpened} opened; failed to open: ${sessionFailures}`);
  for (const [code, message] of Object.entries(r.errorMessages)) row('', `${code}: ${message}`);
}

/** The security mode with what it means, since bench's default (opportunistic) differs from send's. */
function securityWords(security: string): string {
  if (security === 'opportunistic') return 'opportunistic (STARTTLS when offered, else plaintext)';
  if (security === 'starttls') return 'starttls (STARTTLS required)';
  if (security === 'tls') return 'tls (implicit TLS)';
  return `${security} (plaintext)`;
}
