/**
 * `mailwire COMMAND ...`: dispatch, top-level help and version, and the one place where any failure
 * becomes a message on stderr and an exit code (0 ok, 1 failed, 2 usage/config).
 */
import { readFileSync } from 'node:fs';
import { exitCodeFor, printError } from './format.js';
import { EXIT, line, type CliIo, type Command } from './io.js';
import { UsageError } from './args.js';
import { packageRoot } from '../package-root.js';

/**
 * Each command is loaded when it is run: a process that runs `bench` does not parse the audit, probe,
 * DKIM and send code (loading every command took about as long again as starting Node itself).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  send: async () => (await import('./send.js')).sendCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
  probe: async () => (await import('./probe.js')).probeCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  bench: async () => (await import('./bench.js')).benchCommand,
  sink: async () => (await import('./sink.js')).sinkCommand,
  worker: async () => (await import('./worker.js')).workerCommand,
};

export const MAIN_HELP = `mailwire: send mail, check SMTP servers, load them, and catch mail locally.

Usage: mailwire COMMAND [options]     (mailwire COMMAND --help for details)

  send     send a message (flags or a JSON config file with \${ENV} expansion)
  verify   check a configuration: connect, TLS, AUTH, QUIT (--to: send a test message)
  probe    show what a server offers before and after TLS, its certificate, and what to fix
  audit    check what a server does: SMTP smuggling, STARTTLS injection, TLS, AUTH, relay
  bench    load a server: throughput, latency percentiles, errors
  sink     run a local capture server that saves every message as an .eml file
  worker   send queued messages from Redis (needs npm install @mailwire/bullmq bullmq)

Exit codes: 0 ok, 1 delivery/connection failed, 2 usage or configuration error.`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    line(name === undefined ? io.stderr : io.stdout, MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    line(io.stdout, version());
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const command = load !== undefined;
  try {
    if (!load) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    const run = await load();
    return await run(rest, io);
  } catch (error) {
    const prefix = command ? `mailwire ${name}: ` : 'mailwire: ';
    printError(io.stderr, prefix, error);
    if (error instanceof UsageError) line(io.stderr, `(see mailwire ${command ? `${name} ` : ''}--help)`);
    return exitCodeFor(error);
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('package.json', packageRoot()), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
