/**
 * `mailwire worker`: runs an @mailwire/bullmq worker in the foreground until Ctrl+C / SIGTERM, then stops
 * taking jobs, lets the sends in flight finish and QUITs. The core stays dependency-free: the integration is
 * loaded with a dynamic import, and its absence is a usage error that says what to install.
 */
import { createTransport } from '../transport/transport.js';
import type { TransportConfig } from '../transport/config.js';
import { UsageError, flag, parse, parseCount, str } from './args.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, buildConnection } from './connection-flags.js';
import { EXIT, line, type CliIo } from './io.js';

export const WORKER_HELP = `Usage: mailwire worker --redis URL --config FILE [--name QUEUE] [--concurrency N]

Sends the messages queued with @mailwire/bullmq's createMailQueue (needs: npm install @mailwire/bullmq bullmq).
Stops on Ctrl+C / SIGTERM after the sends in flight finish.

  --redis URL         redis://[user:pass@]host:port[/db] (or rediss://); default $REDIS_URL
  --name QUEUE        the queue's name (default "mail")
  --concurrency N     messages sent at once by this worker (default 10)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  redis: { type: 'string' },
  name: { type: 'string' },
  concurrency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The part of @mailwire/bullmq this command uses (typed here: the core cannot depend on it). */
interface BullmqIntegration {
  startMailWorker(options: { connection: string; name: string; transport: ReturnType<typeof createTransport>; concurrency: number }): { id: string; close(): Promise<void> };
}

export const INTEGRATION = '@mailwire/bullmq';

export async function workerCommand(argv: string[], io: CliIo, load: (name: string) => Promise<unknown> = (name) => import(name)): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  if (flag(values, 'help')) {
    line(io.stdout, WORKER_HELP);
    return EXIT.ok;
  }
  const redis = str(values, 'redis') ?? io.env.REDIS_URL;
  if (!redis) throw new UsageError('--redis URL is required (or set REDIS_URL)');
  if (!/^rediss?:\/\//.test(redis)) throw new UsageError('--redis must be a redis:// or rediss:// URL');
  const name = str(values, 'name') ?? 'mail';
  const concurrencyText = str(values, 'concurrency');
  const concurrency = concurrencyText === undefined ? 10 : parseCount(concurrencyText, '--concurrency', 1, 1000);
  const { config, warnings } = await buildConnection(values, io);
  let integration: BullmqIntegration;
  try {
    integration = (await load(INTEGRATION)) as BullmqIntegration;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    line(io.stderr, `mailwire worker: ${INTEGRATION} is not installed (${(error as Error).message.split('\n')[0]})`);
    line(io.stderr, `  install it next to mailwire:  npm install ${INTEGRATION} bullmq`);
    return EXIT.usage;
  }
  for (const warning of warnings) line(io.stderr, `warning: ${warning}`);
  const worker = integration.startMailWorker({ connection: redis, name, transport: createTransport(config as TransportConfig), concurrency });
  line(io.stderr, `mailwire worker ${worker.id}: queue "${name}", concurrency ${concurrency} (Ctrl+C stops after the sends in flight)`);
  await new Promise<void>((resolve) => {
    if (io.interrupted.aborted) resolve();
    else io.interrupted.addEventListener('abort', () => resolve(), { once: true });
  });
  line(io.stderr, 'mailwire worker: stopping: finishing the sends in flight');
  await worker.close();
  return EXIT.ok;
}
