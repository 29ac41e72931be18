/** `mailwire sink`: the local capture server, in the foreground until Ctrl+C. */
import os from 'node:os';
import path from 'node:path';
import { startSink } from '../sink/index.js';
import type { SinkOptions, SunkMessage } from '../sink/types.js';
import { isLoopbackHost } from '../connection/options.js';
import { UsageError, flag, parse, parsePort, parseSize, str, type ParsedValues } from './args.js';
import { readText } from './connection-flags.js';
import { bytes, count } from './format.js';
import { EXIT, line, type CliIo } from './io.js';

export const SINK_HELP = `Usage: mailwire sink [options]

A local SMTP server that accepts everything and saves each message as an .eml file (development, tests,
benchmarks). Offers PIPELINING, 8BITMIME, SMTPUTF8, SIZE, CHUNKING, DSN. Stops on Ctrl+C.

  --host ADDR         interface to listen on (default 127.0.0.1)
  --port N            port (default 2525; 0 picks a free one)
  --dir DIR           where to save messages (default: $TMPDIR/mailwire-sink)
  --discard           count messages and drop them (benchmarks)
  --tls               offer STARTTLS with the bundled PUBLIC localhost test certificate
  --cert FILE --key FILE   ... or with your own certificate and key (PEM); implies --tls
  --implicit-tls      TLS from the first byte (port 465 style); implies --tls
  --require-tls       refuse MAIL and AUTH before STARTTLS
  --auth USER:PASS    offer AUTH PLAIN/LOGIN and require it (a throwaway test password)
  --max-size SIZE     advertised and enforced message size limit (default 25m)
  --quiet             do not print a line per message
  --json              print events (listening, message, stopped) as JSON lines`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  dir: { type: 'string', short: 'd' },
  discard: { type: 'boolean' },
  tls: { type: 'boolean' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'implicit-tls': { type: 'boolean' },
  'require-tls': { type: 'boolean' },
  auth: { type: 'string' },
  'max-size': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function sinkCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  if (flag(values, 'help')) {
    line(io.stdout, SINK_HELP);
    return EXIT.ok;
  }
  const json = flag(values, 'json');
  const quiet = flag(values, 'quiet');
  const options = await sinkOptions(values, io);
  const emit = (event: Record<string, unknown>): void => line(io.stdout, JSON.stringify(event));
  // Only when it prints something: without onMessage a discarding sink skips describing each message.
  if (json || (!quiet && !options.discard)) {
    options.onMessage = (m: SunkMessage): void => {
      if (json) emit({ event: 'message', id: m.id, path: m.path ?? null, from: m.from, to: m.to, size: m.size, secure: m.secure, authUser: m.authUser ?? null });
      else if (m.path) line(io.stdout, `saved ${m.path}  from=<${m.from}> to=${m.to.map((t) => `<${t}>`).join(',')} ${bytes(m.size)}`);
    };
  }

  const sink = await startSink(options);
  if (json) {
    emit({ event: 'listening', url: sink.url, host: sink.host, port: sink.port, dir: options.dir ?? null, tls: Boolean(options.tls), implicitTls: Boolean(options.implicitTls), auth: Boolean(options.auth), send: howToReach(sink.host, sink.port, options).command });
  } else {
    line(io.stdout, `mailwire sink listening on ${sink.url}`);
    if (options.tls === true) line(io.stdout, `  ${options.implicitTls ? 'implicit TLS' : 'STARTTLS'} with the bundled PUBLIC test certificate (CN=localhost): for loopback testing only`);
    else if (options.tls) line(io.stdout, `  ${options.implicitTls ? 'implicit TLS' : 'STARTTLS'} with your certificate`);
    if (options.auth) line(io.stdout, `  AUTH PLAIN LOGIN required, user "${options.auth.user}"`);
    line(io.stdout, options.dir ? `  saving messages to ${options.dir}` : '  discarding messages (counting only)');
    const talk = howToReach(sink.host, sink.port, options);
    line(io.stdout, `  send to it:  ${talk.command}`);
    line(io.stdout, `  from code:   ${talk.config}`);
    line(io.stdout, '  press Ctrl+C to stop');
  }
  if (options.tls === true && !isLoopbackHost(sink.host)) {
    line(io.stderr, `mailwire sink: WARNING: listening on ${sink.host} with a certificate whose private key is public: anyone can impersonate this server`);
  }

  await new Promise<void>((resolve) => {
    if (io.interrupted.aborted) resolve();
    io.interrupted.addEventListener('abort', () => resolve(), { once: true });
  });
  await sink.close();
  const s = sink.stats;
  if (json) emit({ event: 'stopped', ...s });
  else line(io.stdout, `mailwire sink stopped: ${count(s.messages)} messages, ${bytes(s.bytes)}, ${count(s.connections)} connections, ${count(s.rejected)} rejected commands`);
  return EXIT.ok;
}

async function sinkOptions(v: ParsedValues, io: CliIo): Promise<SinkOptions> {
  const options: SinkOptions = { host: str(v, 'host') ?? '127.0.0.1' };
  const port = str(v, 'port');
  options.port = port === undefined ? 2525 : port === '0' ? 0 : parsePort(port);
  if (flag(v, 'discard')) options.discard = true;
  else options.dir = path.resolve(io.cwd, str(v, 'dir') ?? path.join(os.tmpdir(), 'mailwire-sink'));

  const cert = str(v, 'cert');
  const key = str(v, 'key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--cert and --key go together');
  if (cert !== undefined && key !== undefined) {
    options.tls = { cert: await readText(cert, io.cwd, '--cert'), key: await readText(key, io.cwd, '--key') };
  } else if (flag(v, 'tls') || flag(v, 'implicit-tls') || flag(v, 'require-tls')) {
    options.tls = true;
  }
  if (flag(v, 'implicit-tls')) options.implicitTls = true;
  if (flag(v, 'require-tls')) options.requireTls = true;

  const auth = str(v, 'auth');
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    if (colon <= 0 || colon === auth.length - 1) throw new UsageError("--auth must be USER:PASS, e.g. --auth test:secret");
    options.auth = { user: auth.slice(0, colon), pass: auth.slice(colon + 1) };
  }
  const maxSize = str(v, 'max-size');
  if (maxSize !== undefined) options.maxMessageBytes = parseSize(maxSize, '--max-size');
  return options;
}

/**
 * The exact `mailwire send` command and createTransport() config that talk to this sink: its security
 * (plaintext unless --tls), its certificate (the bundled one is for localhost and trusted by nobody), its
 * test account. Without this, `mailwire send` with its defaults (STARTTLS required) fails against a
 * plaintext sink.
 */
export function howToReach(host: string, port: number, options: SinkOptions): { command: string; config: string } {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const target = wildcard ? '127.0.0.1' : options.tls === true ? 'localhost' : host;
  const server = target.includes(':') ? `[${target}]:${port}` : `${target}:${port}`;
  const security = !options.tls ? 'none' : options.implicitTls ? 'tls' : 'starttls';
  const flags = [`--security ${security}`];
  const tls: string[] = [];
  if (options.tls === true) {
    flags.push('--tls-skip-verify');
    tls.push('rejectUnauthorized: false');
  } else if (options.tls) {
    flags.push('--ca YOUR-CA.pem');
    tls.push("ca: readFileSync('YOUR-CA.pem')");
  }
  const auth = options.auth;
  if (auth) flags.push(`--auth-user ${shellWord(auth.user)} --auth-password ${shellWord(auth.pass)}`);
  const command = `mailwire send ${server} ${flags.join(' ')} --from me@example.test --to you@example.test`;
  const parts = [`host: '${target}'`, `port: ${port}`, `security: '${security}'`];
  if (tls.length) parts.push(`tls: { ${tls.join(', ')} }`);
  if (auth) parts.push(`auth: { user: ${JSON.stringify(auth.user)}, pass: ${JSON.stringify(auth.pass)} }`);
  return { command, config: `createTransport({ ${parts.join(', ')} })` };
}

/** A word the shell passes through as it is. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
