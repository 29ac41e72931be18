#!/usr/bin/env node
/**
 * Bytes allocated per message by send() on a warmed pool, and where (V8's sampling heap profiler with the
 * objects the collector already freed counted too):
 *   node bench/alloc-per-message.mjs --port P [--pool 5] [--count 10000] [--lib mailwire|mailwire-raw] [--top 25] [--signal]
 * The server is whatever listens on 127.0.0.1:P (start smtp-sink there). Sampled: an estimate, steady to a
 * few percent at 10,000 messages; compare builds with MAILWIRE_BENCH_DIST=/path/to/dist.
 * --signal passes one AbortSignal, shared by every send of a burst, to send() (mailwire only): what a caller's
 * request-scoped or shutdown signal costs per message.
 */
import { Session } from 'node:inspector/promises';
import { openClient } from './lib/clients.mjs';
import { smallMessage } from './lib/messages.mjs';
import { parseFlags } from './lib/args.mjs';

const args = parseFlags();
const port = Number(args.port);
const pool = Number(args.pool ?? 5);
const count = Number(args.count ?? 10_000);
const library = String(args.lib ?? 'mailwire');
const top = Number(args.top ?? 25);
const withSignal = args.signal === true;
if (withSignal && library !== 'mailwire') throw new Error('--signal is for --lib mailwire only');
if (!port) throw new Error('--port is required (an SMTP sink on 127.0.0.1)');

async function burst(messages) {
  const client = await openClient(library, { host: '127.0.0.1', port, connections: pool, maxMessages: 1e9 });
  // One signal for the whole burst, as an application's shutdown signal would be (never aborted here).
  const options = withSignal ? { signal: new AbortController().signal } : undefined;
  const send = options ? (message) => client.transport.send(message, options) : client.send;
  await Promise.all(Array.from({ length: messages }, (_, i) => send(smallMessage(i, 2048))));
  await client.close();
}

await burst(count / 2);
await burst(count / 5);
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
await burst(count);
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

const sites = new Map();
let total = 0;
// A builtin's allocation (Array.prototype.join, Promise, ...) is charged to the script function calling it.
const label = (frame) => `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(dist|bench|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`;
const walk = (node, caller) => {
  const frame = node.callFrame;
  const name = frame.url === '' && caller ? `${frame.functionName || '(builtin)'} <- ${caller}` : label(frame);
  if (node.selfSize > 0) {
    total += node.selfSize;
    sites.set(name, (sites.get(name) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, frame.url === '' ? caller : label(frame));
};
walk(profile.head, undefined);
process.stdout.write(`${library}${withSignal ? ' (one shared signal)' : ''}, pool ${pool}, ${count} messages: ${Math.round(total / count)} bytes allocated per message (sampled, connections opened and closed included)\n`);
for (const [name, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${String(Math.round(bytes / count)).padStart(7)} B/msg  ${name}\n`);
}
