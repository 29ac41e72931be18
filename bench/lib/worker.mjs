/**
 * One measurement in a fresh process: `node --expose-gc bench/lib/worker.mjs '<json spec>'`.
 * A fresh process per measurement keeps one library's heap, JIT state and sockets from touching another's
 * figures. The result is one JSON line on stdout; anything else goes to stderr.
 */
import { openClient } from './clients.mjs';
import { smallMessage, recipients, FROM, richMessage } from './messages.mjs';
import { baselineRss, startRssSampler, forceGc } from './memory.mjs';
import { composeOnce } from './compose-libs.mjs';

const spec = JSON.parse(process.argv[2] ?? '{}');

async function main() {
  switch (spec.kind) {
    case 'throughput':
      return throughput(spec);
    case 'roundtrip':
      return roundTrip(spec);
    case 'attachment':
      return attachment(spec);
    case 'compose':
      return compose(spec);
    case 'soak': {
      const { soak } = await import('./soak.mjs');
      return soak(spec);
    }
    case 'compose-runner': {
      const { runComposeBench } = await import('../compose.mjs');
      const result = await runComposeBench({ messages: spec.messages, rounds: spec.rounds, attachmentBytes: spec.attachmentBytes, log: (line) => process.stderr.write(`${line}\n`) });
      return { result };
    }
    case 'dkim-runner': {
      const { runDkimBench } = await import('../dkim.mjs');
      const result = await runDkimBench({ messages: spec.messages, signs: spec.signs, rounds: spec.rounds, attachmentBytes: spec.attachmentBytes, log: (line) => process.stderr.write(`${line}\n`) });
      return { result };
    }
    default:
      throw new Error(`unknown measurement kind ${spec.kind}`);
  }
}

/**
 * Sends `count` messages of `size` bytes: in sequence (`sequential`) or all fired together.
 *
 * `rehearsal` lists the message counts of the warm-up clients: each one opens, sends its count in the same
 * pattern as the measured run, and closes, and then the measured run starts on a fresh client with cold
 * connections. Two clients, because closing the first client and opening the next cause deoptimizations
 * of their own (fields that become null, new sockets), which the second rehearsal absorbs: traced with
 * --trace-opt, one client left ~60 recompilations inside the measured run, two leave ~15. An empty list
 * measures a fresh process.
 * The memory baseline is taken before the rehearsal, because a forced full GC after it collects the maps
 * the optimized code was specialized to, and with the single 200-message warm-up this bench used before,
 * 122 of 137 TurboFan compilations (~1 s of compiler CPU) fell inside a 1.4 s measured run.
 */
async function throughput({ library, host, port, count, size, connections, maxMessages, sequential, rehearsal = [], warmup }) {
  if (warmup !== undefined) throw new Error('throughput: "warmup" was replaced by "rehearsal" (a list of message counts)');
  const options = { host, port, connections, maxMessages };
  const baseline = await baselineRss();
  for (const messages of rehearsal) {
    const client = await openClient(library, options);
    await sendAll(client, messages, size, sequential);
    await client.close();
  }
  const client = await openClient(library, options);
  const sampler = startRssSampler();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const errors = await sendAll(client, count, size, sequential);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const memory = sampler.stop();
  await client.close();
  return { ms, count, errors: errors.count, firstError: errors.first, cpuMs: (used.user + used.system) / 1000, rssBaseline: baseline, rssPeak: memory.peak };
}

async function sendAll(client, count, size, sequential) {
  const errors = { count: 0, first: undefined };
  const failed = (error) => {
    errors.count += 1;
    errors.first ??= String(error?.message ?? error);
  };
  if (sequential) {
    for (let i = 0; i < count; i += 1) await client.send(smallMessage(i, size)).catch(failed);
  } else {
    await Promise.all(Array.from({ length: count }, (_, i) => client.send(smallMessage(i, size)).catch(failed)));
  }
  return errors;
}

/** Scenario 3: messages through the delay proxy (the parent counts the round trips). */
async function roundTrip({ library, host, port, count, rcpts, maxMessages }) {
  const client = await openClient(library, { host, port, connections: 1, maxMessages });
  const to = rcpts > 1 ? recipients(rcpts) : 'sink@bench.localhost';
  const errors = { count: 0, first: undefined };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.send({ from: FROM, to, subject: `round trips ${i}`, text: smallMessage(i, 1024).text }).catch((error) => {
        errors.count += 1;
        errors.first ??= String(error?.message ?? error);
      }),
    ),
  );
  const ms = performance.now() - started;
  await client.close();
  return { ms, count, errors: errors.count, firstError: errors.first };
}

/** Scenario 4: one message with a large file attachment; peak RSS over the baseline of this process. */
async function attachment({ library, host, port, path, maxMessageBytes }) {
  const client = await openClient(library, { host, port, connections: 1, maxMessages: 100, maxMessageBytes });
  const baseline = await baselineRss();
  const sampler = startRssSampler();
  const started = performance.now();
  let error;
  try {
    await client.send({ from: FROM, to: 'sink@bench.localhost', subject: 'large attachment', text: 'See the attachment.\n', attachments: [{ filename: 'large.bin', path }] });
  } catch (e) {
    error = String(e?.message ?? e);
  }
  const ms = performance.now() - started;
  const memory = sampler.stop();
  await client.close();
  return { ms, count: 1, errors: error ? 1 : 0, firstError: error, rssBaseline: baseline, rssPeak: memory.peak, rssOver: memory.peak - baseline };
}

/** Scenario 5: compose `count` rich messages to bytes, one after another. */
async function compose({ library, count, attachmentBytes, warmup }) {
  const content = Buffer.alloc(attachmentBytes);
  for (let i = 0; i < content.length; i += 1) content[i] = (i * 2654435761) >>> 24; // fixed, incompressible-looking
  for (let i = 0; i < warmup; i += 1) await composeOnce(library, richMessage(i, content));
  forceGc();
  const baseline = process.memoryUsage.rss();
  const sampler = startRssSampler();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < count; i += 1) bytes += await composeOnce(library, richMessage(i, content));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const memory = sampler.stop();
  return { ms, count, bytes, errors: 0, cpuMs: (used.user + used.system) / 1000, rssBaseline: baseline, rssPeak: memory.peak };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`);
    process.exit(0);
  },
  (error) => {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`);
    process.exit(1);
  },
);
