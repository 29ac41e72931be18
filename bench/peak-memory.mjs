#!/usr/bin/env node
/**
 * Where the peak RSS of scenario 2 comes from: one burst of sends fired together, each run in a fresh
 * process, with process.memoryUsage() and V8's heap spaces sampled every 5 ms and printed at the peak.
 *
 *   node bench/peak-memory.mjs [--dists dist,OTHER/dist] [--libs send,raw,floor,no-io] [--count 10000]
 *        [--pool 5] [--rounds 3] [--cold] [--drop-results] [--node-flags="--max-semi-space-size=4"]
 *
 * Like the bench's worker: a rehearsal of half and a fifth of the count first (unless --cold), the results
 * kept by Promise.all (unless --drop-results), the kernel's high-water mark as the peak. Also prints the
 * baseline: the process with mailwire imported (or, for the yardsticks, nothing) and nothing sent, after a
 * full GC. `send` and `raw` are mailwire's send() and sendRaw(); `floor` and `no-io` are the yardsticks of
 * bench/lib/floor-clients.mjs (the least a Node sender costs in this burst). Contestants alternate.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseFlags } from './lib/args.mjs';
import { median } from './lib/report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;
const mb = (bytes) => Math.round((bytes / MB) * 10) / 10;

function snapshot() {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  return {
    rss: mb(m.rss),
    heapTotal: mb(m.heapTotal),
    heapUsed: mb(m.heapUsed),
    external: mb(m.external),
    newSpace: mb(spaces.new_space ?? 0),
    oldSpace: mb(spaces.old_space ?? 0),
    codeSpace: mb(spaces.code_space ?? 0),
  };
}

async function child(spec) {
  const gc = () => (globalThis.gc?.(), globalThis.gc?.());
  const floor = spec.lib === 'floor' || spec.lib === 'no-io' ? await import('./lib/floor-clients.mjs') : undefined;
  const mailwire = floor ? undefined : await import(pathToFileURL(path.join(spec.dist, 'index.js')).href);
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const baseline = snapshot();
  const LINE = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te.\n';
  const text = LINE.repeat(Math.round((2048 - 350) / LINE.length));
  const message = (i) => ({ from: 'bench@bench.localhost', to: 'sink@bench.localhost', subject: `bench message ${i}`, text });
  const raw = spec.lib === 'raw' ? await mailwire.composeToBuffer(message(0)) : undefined;
  const burst = async (count) => {
    if (floor) {
      const client = spec.lib === 'floor' ? floor.floorClient({ port: spec.port, connections: spec.pool }) : floor.noIoClient();
      const sends = Array.from({ length: count }, (_, i) => client.send(message(i)));
      await Promise.all(spec.keepResults ? sends : sends.map((sent) => sent.then(() => undefined)));
      return client.close();
    }
    const transport = mailwire.createTransport({ host: '127.0.0.1', port: spec.port, security: 'none', clientName: 'bench.localhost', pool: { maxConnections: spec.pool, maxMessagesPerConnection: 1e9 }, retry: { attempts: 1 } });
    const sends = [];
    for (let i = 0; i < count; i += 1) {
      const sent = raw ? transport.sendRaw({ from: 'bench@bench.localhost', to: ['sink@bench.localhost'] }, raw) : transport.send(message(i));
      sends.push(spec.keepResults ? sent : sent.then(() => undefined));
    }
    await Promise.all(sends);
    await transport.close();
  };
  if (!spec.cold) for (const count of [Math.round(spec.count / 2), Math.round(spec.count / 5)]) await burst(count);
  let peak = snapshot();
  const timer = setInterval(() => {
    const now = snapshot();
    if (now.rss > peak.rss) peak = now;
  }, 5);
  const cpu = process.cpuUsage();
  await burst(spec.count);
  const used = process.cpuUsage(cpu);
  clearInterval(timer);
  return { baseline, peak, kernelPeak: mb(process.resourceUsage().maxRSS * 1024), cpuUsPerMsg: Math.round(((used.user + used.system) / spec.count) * 10) / 10 };
}

async function main() {
  const args = parseFlags();
  const libs = String(args.libs ?? args.lib ?? 'send').split(',');
  const contestants = String(args.dists ?? path.join(HERE, '..', 'dist'))
    .split(',')
    .flatMap((d) => libs.map((lib) => ({ dist: path.resolve(d), lib, label: lib === 'floor' || lib === 'no-io' ? lib : `${lib} ${path.resolve(d)}` })))
    .filter((c, i, all) => all.findIndex((o) => o.label === c.label) === i);
  const rounds = Number(args.rounds ?? 3);
  const nodeFlags = args['node-flags'] ? String(args['node-flags']).split(' ') : [];
  const { startFastSink } = await import('./lib/servers.mjs');
  const sink = await startFastSink(args.server);
  const results = contestants.map(() => []);
  try {
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 ? [...contestants.keys()].reverse() : [...contestants.keys()];
      for (const i of order) {
        const spec = { dist: contestants[i].dist, port: sink.port, lib: contestants[i].lib, count: Number(args.count ?? 10_000), pool: Number(args.pool ?? 5), cold: args.cold === true, keepResults: args['drop-results'] !== true };
        const out = await new Promise((resolve, reject) => {
          const proc = spawn(process.execPath, ['--expose-gc', ...nodeFlags, fileURLToPath(import.meta.url), 'child', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let text = '';
          proc.stdout.on('data', (d) => (text += d));
          proc.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited with ${code}`))));
        });
        const r = JSON.parse(out.trim().split('\n').pop());
        results[i].push(r);
        const p = r.peak;
        process.stdout.write(`round ${round + 1} ${contestants[i].label}: peak ${r.kernelPeak} MB (sampled: rss ${p.rss}, heap ${p.heapTotal} of which new ${p.newSpace} old ${p.oldSpace} code ${p.codeSpace}, used ${p.heapUsed}, external ${p.external}); baseline ${r.baseline.rss} MB; ${r.cpuUsPerMsg} us CPU/msg\n`);
      }
    }
  } finally {
    await sink.close();
  }
  contestants.forEach(({ label }, i) => {
    const r = results[i];
    process.stdout.write(`${label}: median peak ${median(r.map((x) => x.kernelPeak))} MB (${median(r.map((x) => Math.round((x.kernelPeak - x.baseline.rss) * 10) / 10))} over its baseline), baseline ${median(r.map((x) => x.baseline.rss))} MB (heap ${median(r.map((x) => x.baseline.heapTotal))}), new space at the peak ${median(r.map((x) => x.peak.newSpace))} MB, old ${median(r.map((x) => x.peak.oldSpace))} MB\n`);
  });
}

if (process.argv[2] === 'child') {
  child(JSON.parse(process.argv[3])).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
} else {
  main().catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exitCode = 1;
  });
}
