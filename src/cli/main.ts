/**
 * `mailwire COMMAND ...`: dispatch, top-level help and version, and the one place where any failure
 * becomes a message on stderr and an exit code (0 ok, 1 failed, 2 usage/config).
 */
import { readFileSync } from 'node:fs';
import { auditCommand } from './audit.js';
import { benchCommand } from './bench.js';
import { exitCodeFor, printError } from './format.js';
import { EXIT, line, type CliIo, type Command } from './io.js';
import { probeCommand } from './probe.js';
import { sendCommand } from './send.js';
import { sinkCommand } from './sink.js';
import { verifyCommand } from './verify.js';
import { workerCommand } from './worker.js';
import { UsageError } from './args.js';

const COMMANDS: Record<string, Command> = {
  send: sendCommand,
  verify: verifyCommand,
  probe: probeCommand,
  audit: auditCommand,
  bench: benchCommand,
  sink: sinkCommand,
  worker: workerCommand,
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
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return await command(rest, io);
  } catch (error) {
    const prefix = command ? `mailwire ${name}: ` : 'mailwire: ';
    printError(io.stderr, prefix, error);
    if (error instanceof UsageError) line(io.stderr, `(see mailwire ${command ? `${name} ` : ''}--help)`);
    return exitCodeFor(error);
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
