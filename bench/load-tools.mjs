#!/usr/bin/env node
/**
 * The load tool and the sink against Postfix's C pair (issue 21), alternating, in fresh processes:
 *   node bench/load-tools.mjs [--messages 20000] [--sessions 20] [--rounds 7] [--only client,sink]
 *                             [--baseline OTHER/dist] [--bench-args "--workers 2"] [--baseline-args "..."] [--floor]
 *  client: `mailwire bench --connections S` vs `smtp-source -s S -d`, both against one smtp-sink;
 *  sink:   `smtp-source -s S -d` against `mailwire sink --discard --quiet` vs against `smtp-sink`.
 * --baseline adds a second mailwire build (e.g. a copy of main's dist/) to both comparisons, in the same
 * rotation, so a change is judged against its own "before" under the same machine load (--baseline .
 * with --baseline-args compares two settings of one build). --floor adds bench/sink-floor.mjs to the sinks:
 * a minimal node:net sink, what any Node sink pays per message below its own code.
 *
 * Messages/s are over the wall time of the sending process (start-up included, the same for both sides).
 * CPU per message is reported for BOTH processes of every run (Linux /proc): the sender's from this
 * process's reaped-children counters, the sink's from its /proc/PID/stat. The two messages are the same
 * size: smtp-source adds a ~154-byte header to its `-l` payload, so mailwire bench is asked for that total.
 * Needs a build (dist/) and the postfix package's smtp-source and smtp-sink.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, smtpSinkBinary, smtpSourceBinary } from './lib/servers.mjs';
import { parseFlags } from './lib/args.mjs';
import { median } from './lib/report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, '..', 'dist');

const args = parseFlags();
const messages = Number(args.messages ?? 20_000);
const sessions = Number(args.sessions ?? 20);
const rounds = Number(args.rounds ?? 7);
const only = new Set(String(args.only ?? 'client,sink').split(','));
const words = (value) => (typeof value === 'string' ? value.split(' ').filter(Boolean) : []);
const benchExtra = { mailwire: words(args['bench-args']), baseline: words(args['baseline-args']) };
const SIZE = 2048;
/** What smtp-source puts around its -l payload (From, To, Date, Message-Id, blank line). */
const SOURCE_HEADER = 154;
const source = smtpSourceBinary();
const sinkBinary = smtpSinkBinary();
if (!source || !sinkBinary) throw new Error('smtp-source and smtp-sink are needed (Debian package "postfix")');

/** The mailwire builds under test: this checkout's dist/, and optionally a baseline. */
const builds = { mailwire: path.join(DIST, 'cli', 'bin.js') };
if (typeof args.baseline === 'string') builds.baseline = args.baseline === '.' ? builds.mailwire : path.join(path.resolve(args.baseline), 'cli', 'bin.js');

const spread = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
/** Round r's order: the contestants rotated by r, so each takes each position equally often. */
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

/** CPU seconds (user, system) from a /proc/.../stat line; `children` reads the reaped-children fields. */
function cpuOf(statPath, children = false) {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = children ? 13 : 11; // utime, stime | cutime, cstime (clock ticks, USER_HZ = 100)
  return { user: Number(fields[at]) / 100, sys: Number(fields[at + 1]) / 100 };
}
const cpuSeconds = (pid) => {
  const c = cpuOf(`/proc/${pid}/stat`);
  return c.user + c.sys;
};
/** CPU of this process's children that have exited and been waited for (the sender, once it exits). */
const reapedCpu = () => {
  const c = cpuOf('/proc/self/stat', true);
  return c.user + c.sys;
};

/** Runs a command to completion; resolves with its wall time and its CPU time (user + system, seconds). */
function timed(command, argv) {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedCpu();
    const started = performance.now();
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      // 'exit' follows the wait(), so the child's CPU is in our cutime/cstime now.
      if (code !== 0) reject(new Error(`${path.basename(command)} exited ${code}: ${stderr.slice(-300)}`));
      else resolve({ ms, cpu: reapedCpu() - cpuBefore });
    });
  });
}

async function waitForPort(port) {
  const net = await import('node:net');
  for (let i = 0; i < 100; i += 1) {
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('data', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on ${port}`);
}

async function startSink(kind) {
  const port = await freePort();
  const argv =
    kind === 'smtp-sink'
      ? ['-4', '-a', '-C', '-F', '-h', 'sink.bench.localhost', ...(process.getuid?.() === 0 ? ['-u', 'postfix'] : []), `127.0.0.1:${port}`, '1024']
      : [builds[kind], 'sink', '--discard', '--quiet', '--host', '127.0.0.1', '--port', String(port)];
  const floor = [path.join(HERE, 'sink-floor.mjs'), String(port)];
  const child = spawn(kind === 'smtp-sink' ? sinkBinary : process.execPath, kind === 'node-floor' ? floor : argv, { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    pid: child.pid,
    close: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))),
  };
}

const sourceArgs = (port) => ['-s', String(sessions), '-m', String(messages), '-l', String(SIZE), '-d', '-M', 'bench.localhost', '-f', 'bench@bench.localhost', '-t', 'sink@bench.localhost', `127.0.0.1:${port}`];
const benchArgs = (who, port) => [builds[who], 'bench', `127.0.0.1:${port}`, '--connections', String(sessions), '--messages', String(messages), '--size', String(SIZE + SOURCE_HEADER), '--security', 'none', '--json', ...benchExtra[who]];
const us = (seconds) => ((seconds * 1e6) / messages).toFixed(0);

/** Per contestant: msg/s, and CPU µs per message of the sender and of the sink in each round. */
const table = (names) => Object.fromEntries(names.map((n) => [n, { rate: [], sender: [], sink: [] }]));

function summary(label, rows, versus, extraRatios) {
  for (const [name, row] of Object.entries(rows)) {
    console.log(`${label} ${name.padEnd(12)} median ${Math.round(median(row.rate))} msg/s (${Math.round(Math.min(...row.rate))}-${Math.round(Math.max(...row.rate))}); CPU us/msg: sender ${median(row.sender).toFixed(0)}, sink ${median(row.sink).toFixed(0)}`);
  }
  for (const name of Object.keys(rows)) {
    if (name === versus) continue;
    const ratios = rows[name].rate.map((r, i) => r / rows[versus].rate[i]);
    console.log(`${label} ${name} / ${versus}: median ratio ${median(ratios).toFixed(2)} over ${ratios.length} rounds (spread ${spread(ratios)})`);
  }
  for (const [a, b] of extraRatios) {
    if (!rows[a] || !rows[b]) continue;
    const ratios = rows[a].rate.map((r, i) => r / rows[b].rate[i]);
    console.log(`${label} ${a} / ${b}: median ratio ${median(ratios).toFixed(2)} (spread ${spread(ratios)})`);
  }
}

if (only.has('client')) {
  const names = [...Object.keys(builds), 'smtp-source'];
  const rows = table(names);
  const sink = await startSink('smtp-sink');
  try {
    for (let round = 0; round < rounds; round += 1) {
      const parts = [];
      for (const who of rotate(names, round)) {
        const sinkBefore = cpuSeconds(sink.pid);
        const { ms, cpu } = who === 'smtp-source' ? await timed(source, sourceArgs(sink.port)) : await timed(process.execPath, benchArgs(who, sink.port));
        const sinkCpu = cpuSeconds(sink.pid) - sinkBefore;
        const row = rows[who];
        row.rate.push((messages / ms) * 1000);
        row.sender.push((cpu * 1e6) / messages);
        row.sink.push((sinkCpu * 1e6) / messages);
        parts.push(`${who} ${Math.round(row.rate.at(-1))} msg/s (cpu ${us(cpu)}, sink ${us(sinkCpu)})`);
      }
      console.log(`client round ${round + 1}: ${parts.join('; ')}; ratio ${(rows.mailwire.rate.at(-1) / rows['smtp-source'].rate.at(-1)).toFixed(2)}`);
    }
  } finally {
    await sink.close();
  }
  summary('client', rows, 'smtp-source', [['mailwire', 'baseline']]);
}

if (only.has('sink')) {
  const names = [...Object.keys(builds), ...(args.floor ? ['node-floor'] : []), 'smtp-sink'];
  const rows = table(names);
  for (let round = 0; round < rounds; round += 1) {
    const parts = [];
    for (const who of rotate(names, round)) {
      const sink = await startSink(who);
      try {
        const before = cpuSeconds(sink.pid);
        const { ms, cpu } = await timed(source, sourceArgs(sink.port));
        const sinkCpu = cpuSeconds(sink.pid) - before;
        const row = rows[who];
        row.rate.push((messages / ms) * 1000);
        row.sender.push((cpu * 1e6) / messages);
        row.sink.push((sinkCpu * 1e6) / messages);
        parts.push(`${who} ${Math.round(row.rate.at(-1))} msg/s (sink cpu ${us(sinkCpu)}, smtp-source ${us(cpu)})`);
      } finally {
        await sink.close();
      }
    }
    console.log(`sink round ${round + 1}: ${parts.join('; ')}; ratio ${(rows.mailwire.rate.at(-1) / rows['smtp-sink'].rate.at(-1)).toFixed(2)}`);
  }
  summary('sink', rows, 'smtp-sink', [['mailwire', 'baseline']]);
}
