#!/usr/bin/env node
/**
 * A/B of two builds of mailwire on one scenario-2 burst, alternating in fresh processes:
 *   node bench/compare-dists.mjs --a /path/to/base/dist --b dist [--pool 5] [--count 10000] [--rounds 5]
 *        [--lib mailwire|mailwire-raw] [--cold]
 * Prints, per build, the medians of CPU microseconds per message, messages/s and peak RSS, and the median
 * of the per-pair CPU ratios (b/a). CPU per message is the figure to decide by on a shared machine: the
 * wall clock swings with the neighbours, the CPU a process spends per message much less.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFastSink } from './lib/servers.mjs';
import { parseFlags } from './lib/args.mjs';
import { median } from './lib/report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(HERE, 'lib', 'worker.mjs');

const args = parseFlags();
const dists = { a: path.resolve(String(args.a ?? 'dist')), b: path.resolve(String(args.b ?? 'dist')) };
const pool = Number(args.pool ?? 5);
const count = Number(args.count ?? 10_000);
const rounds = Number(args.rounds ?? 5);
const library = String(args.lib ?? 'mailwire');
const rehearsal = args.cold ? [] : [Math.round(count / 2), Math.round(count / 5)];

function run(dist, port) {
  const spec = { kind: 'throughput', library, host: '127.0.0.1', port, count, size: 2048, connections: pool, maxMessages: 1e9, sequential: pool === 1, rehearsal };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', WORKER, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MAILWIRE_BENCH_DIST: dist } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      try {
        const r = JSON.parse(out.trim().split('\n').pop());
        if (!r.ok || r.errors) reject(new Error(r.error ?? r.firstError));
        else resolve({ cpuUs: (r.cpuMs * 1000) / r.count, rate: (r.count / r.ms) * 1000, rssMB: r.rssPeak / 1048576 });
      } catch (e) {
        reject(e);
      }
    });
  });
}

const sink = await startFastSink(args.server);
try {
  const results = { a: [], b: [] };
  const ratios = [];
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 ? ['b', 'a'] : ['a', 'b'];
    const pair = {};
    for (const key of order) {
      pair[key] = await run(dists[key], sink.port);
      results[key].push(pair[key]);
      process.stdout.write(`round ${round + 1} ${key}: ${pair[key].cpuUs.toFixed(1)} us CPU/msg, ${Math.round(pair[key].rate)} msg/s, ${Math.round(pair[key].rssMB)} MB\n`);
    }
    ratios.push(pair.b.cpuUs / pair.a.cpuUs);
  }
  for (const key of ['a', 'b']) {
    const r = results[key];
    process.stdout.write(`${key} (${dists[key]}): median ${median(r.map((x) => x.cpuUs)).toFixed(1)} us CPU/msg, ${Math.round(median(r.map((x) => x.rate)))} msg/s, peak RSS ${Math.round(median(r.map((x) => x.rssMB)))} MB\n`);
  }
  process.stdout.write(`b/a CPU per message, median of ${rounds} pairs: ${median(ratios).toFixed(3)}; pool ${pool}, ${count} x 2 KB, ${library}${args.cold ? ', fresh process' : ''}\n`);
} finally {
  await sink.close();
}
