#!/usr/bin/env node
/**
 * The load tool and the sink against Postfix's C pair (issue 21), alternating, in fresh processes:
 *   node bench/load-tools.mjs [--messages 20000] [--sessions 20] [--rounds 5] [--only client,sink]
 *  client: `mailwire bench --connections S` vs `smtp-source -s S -d`, both against one smtp-sink;
 *  sink:   `smtp-source -s S -d` against `mailwire sink --discard --quiet` vs against `smtp-sink`.
 * Messages/s are over the wall time of the sending process (start-up included, the same for both sides);
 * for the sinks the CPU the sink process spent per message is printed too (from /proc, Linux only).
 * Needs a build (dist/) and the postfix package's smtp-source and smtp-sink.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, smtpSinkBinary, smtpSourceBinary } from './lib/servers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '..', 'dist', 'cli', 'bin.js');

const args = {};
for (let i = 2; i < process.argv.length; i += 1) {
  const key = process.argv[i].replace(/^--/, '');
  const next = process.argv[i + 1];
  if (next !== undefined && !next.startsWith('--')) args[key] = next, (i += 1);
  else args[key] = true;
}
const messages = Number(args.messages ?? 20_000);
const sessions = Number(args.sessions ?? 20);
const rounds = Number(args.rounds ?? 5);
const only = new Set(String(args.only ?? 'client,sink').split(','));
const SIZE = 2048;
const source = smtpSourceBinary();
const sinkBinary = smtpSinkBinary();
if (!source || !sinkBinary) throw new Error('smtp-source and smtp-sink are needed (Debian package "postfix")');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs a command to completion; resolves with its wall time and its own CPU time (user + system). */
function timed(command, argv) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${path.basename(command)} exited ${code}: ${stderr.slice(-300)}`));
      else resolve({ ms });
    });
  });
}

/** CPU seconds (user + system) a running process has used so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
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
      : [BIN, 'sink', '--discard', '--quiet', '--host', '127.0.0.1', '--port', String(port)];
  const child = spawn(kind === 'smtp-sink' ? sinkBinary : process.execPath, argv, { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    pid: child.pid,
    close: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))),
  };
}

const sourceArgs = (port) => ['-s', String(sessions), '-m', String(messages), '-l', String(SIZE), '-d', '-M', 'bench.localhost', '-f', 'bench@bench.localhost', '-t', 'sink@bench.localhost', `127.0.0.1:${port}`];
const benchArgs = (port) => [BIN, 'bench', `127.0.0.1:${port}`, '--connections', String(sessions), '--messages', String(messages), '--size', String(SIZE), '--security', 'none', '--json'];

if (only.has('client')) {
  const sink = await startSink('smtp-sink');
  const rates = { mailwire: [], 'smtp-source': [] };
  const ratios = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      const pair = {};
      for (const who of round % 2 ? ['smtp-source', 'mailwire'] : ['mailwire', 'smtp-source']) {
        const { ms } = who === 'mailwire' ? await timed(process.execPath, benchArgs(sink.port)) : await timed(source, sourceArgs(sink.port));
        pair[who] = (messages / ms) * 1000;
        rates[who].push(pair[who]);
      }
      ratios.push(pair.mailwire / pair['smtp-source']);
      console.log(`client round ${round + 1}: mailwire bench ${Math.round(pair.mailwire)} msg/s, smtp-source ${Math.round(pair['smtp-source'])} msg/s, ratio ${(pair.mailwire / pair['smtp-source']).toFixed(2)}`);
    }
  } finally {
    await sink.close();
  }
  console.log(`client: mailwire bench --connections ${sessions} ${Math.round(median(rates.mailwire))} msg/s, smtp-source -s ${sessions} ${Math.round(median(rates['smtp-source']))} msg/s; median ratio of ${rounds} pairs ${median(ratios).toFixed(2)}`);
}

if (only.has('sink')) {
  const rates = { mailwire: [], 'smtp-sink': [] };
  const cpu = { mailwire: [], 'smtp-sink': [] };
  const ratios = [];
  for (let round = 0; round < rounds; round += 1) {
    const pair = {};
    for (const who of round % 2 ? ['smtp-sink', 'mailwire'] : ['mailwire', 'smtp-sink']) {
      const sink = await startSink(who);
      try {
        const before = cpuSeconds(sink.pid);
        const { ms } = await timed(source, sourceArgs(sink.port));
        cpu[who].push(((cpuSeconds(sink.pid) - before) * 1e6) / messages);
        pair[who] = (messages / ms) * 1000;
        rates[who].push(pair[who]);
      } finally {
        await sink.close();
      }
    }
    ratios.push(pair.mailwire / pair['smtp-sink']);
    console.log(`sink round ${round + 1}: mailwire sink ${Math.round(pair.mailwire)} msg/s (${cpu.mailwire.at(-1).toFixed(0)} us CPU/msg), smtp-sink ${Math.round(pair['smtp-sink'])} msg/s (${cpu['smtp-sink'].at(-1).toFixed(0)} us CPU/msg), ratio ${(pair.mailwire / pair['smtp-sink']).toFixed(2)}`);
  }
  console.log(`sink: smtp-source -s ${sessions} into mailwire sink --discard ${Math.round(median(rates.mailwire))} msg/s (${median(cpu.mailwire).toFixed(0)} us CPU/msg in the sink), into smtp-sink ${Math.round(median(rates['smtp-sink']))} msg/s (${median(cpu['smtp-sink']).toFixed(0)} us); median ratio of ${rounds} pairs ${median(ratios).toFixed(2)}`);
}
