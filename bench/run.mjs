#!/usr/bin/env node
/**
 * mailwire benchmark: `npm run bench` (full), `node bench/run.mjs --quick` (CI smoke: tiny counts).
 *
 * Scenarios (issue 4): 1 sequential on one connection; 2 pools of 5 and 20 with everything fired together;
 * 3 round trips through a 20 ms RTT delay proxy; 4 a 25 MB file attachment (time, peak RSS over baseline);
 * 5 composing rich messages (messages/s, MB/s); 6 DKIM: CPU µs per signature (RSA-2048, Ed25519) and
 * compose+sign MB/s, beside nodemailer's DKIM (bench/dkim.mjs); soak (only when named, `--only soak`, and
 * in --quick with a tiny count): 1,000,000 messages through a pool of 20, mailwire alone (bench/lib/soak.mjs).
 * Every measurement runs in a fresh child process, libraries alternate (the order rotates each round), and the figures reported are medians over the rounds.
 *
 * Options: --rounds N (default 3) · --quick · --only 1,2,... · --server smtp-sink|ours (fast sink) ·
 * --rt-server postfix|ours (scenario 3) · --out FILE (default bench/results/latest.json; quick.json with
 * --quick) · --libs mailwire,nodemailer,emailjs · --report FILE (print a saved run again).
 * Exit status: 0 whatever the speed (targets print PASS/MISS); 1 only when something crashed or mailwire
 * failed to deliver.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFastSink, startChunkingServer, startPipeliningOnlyServer, smtpSourceBinary } from './lib/servers.mjs';
import { runSmtpSource } from './lib/smtp-source.mjs';
import { startDelayProxy } from './delay-proxy.mjs';
import { LIBRARIES, MAILWIRE_RAW } from './lib/clients.mjs';
import { summarize, printReport, machineInfo } from './lib/report.mjs';
import { DEFAULT_DIST } from './lib/mailwire.mjs';
import { summarizeSoak } from './lib/soak.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(HERE, 'lib', 'worker.mjs');

const args = parseArgs(process.argv.slice(2));
const quick = args.quick === true;
const rounds = Number(args.rounds ?? (quick ? 1 : 3));
const only = new Set(String(args.only ?? (quick ? '1,2,3,4,5,6,soak' : '1,2,3,4,5,6')).split(',').map((s) => s.trim()));
const libraries = String(args.libs ?? LIBRARIES.join(',')).split(',').filter((l) => LIBRARIES.includes(l));
const outFile = path.resolve(String(args.out ?? path.join(HERE, 'results', quick ? 'quick.json' : 'latest.json')));
const workerTimeoutMs = quick ? 60_000 : 600_000;

const COUNTS = quick
  ? { s1: 40, s2: 200, s2pools: [5, 20], s3pooled: 10, s3rcpts: 10, s4bytes: 2 * 1024 * 1024, s5: 40, s5b: 40, s5att: 100 * 1024, composeWarmup: 10, s6: 40, s6signs: 40 }
  : { s1: 2000, s2: 10_000, s2pools: [5, 20], s3pooled: 200, s3rcpts: 100, s4bytes: 25 * 1024 * 1024, s5: 10_000, s5b: 10_000, s5att: 100 * 1024, composeWarmup: 100, s6: 2000, s6signs: 2000 };
const MESSAGE_BYTES = 2048;
/** The soak: messages, pool size, sends kept in flight, and messages per sample. */
const SOAK = quick ? { count: 2000, pool: 20, window: 400, every: 200 } : { count: Number(args['soak-count'] ?? 1_000_000), pool: 20, window: 400, every: 10_000 };
/**
 * Scenarios 1 and 2 warm each library's JIT with two rehearsal clients (half, then a fifth of the measured
 * count, in the measured pattern) before the measured run on a fresh client: the figures are a warmed
 * process's, as for a server or a load test that runs for minutes. Scenario 2c measures a fresh process.
 * Before, the warm-up was 200 messages, which left nearly all of the JIT work inside the measured run.
 */
const rehearsal = (count) => [Math.round(count / 2), Math.round(count / 5)];
/**
 * emailjs stalls ~40 ms per message on loopback (it writes "\r\n.\r\n" as its own small segment with Nagle
 * on, which waits for the server's delayed ACK), so its runs send a tenth of the messages: its rate per
 * message is the same, and the bench does not spend a quarter of an hour on it. Round trips are per message.
 */
const EMAILJS_SHARE = quick ? 1 : 0.1;
const EMAILJS_SHARE_RT = quick ? 1 : 0.2;
const countFor = (lib, count, share = EMAILJS_SHARE) => (lib === 'emailjs' ? Math.max(1, Math.round(count * share)) : count);

let failed = false;
const cleanups = [];

async function main() {
  if (args.report) return reprint(String(args.report));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  const startedAt = new Date();
  const machine = machineInfo();
  snapshotDist();
  log(`mailwire bench${quick ? ' (quick)' : ''}: ${rounds} round(s), libraries ${libraries.join(', ')}`);
  log(`machine: ${machine.cpu} x ${machine.cores}, node ${machine.node}, load ${machine.loadavg.join(' ')}`);

  const fast = await startFastSink(args.server);
  cleanups.push(() => fast.close());
  log(`fast sink: ${fast.description}`);
  const sourceBinary = smtpSourceBinary();
  log(sourceBinary ? `ceiling: ${sourceBinary}` : 'ceiling: smtp-source not installed (Debian package "postfix"): no ceiling figures');

  if (EMAILJS_SHARE < 1) log(`emailjs sends ${EMAILJS_SHARE * 100}% of the messages in scenarios 1 and 2 and ${EMAILJS_SHARE_RT * 100}% in 3b/3c (it stalls ~40 ms per message: Nagle + delayed ACK on its separate "." write); its figures are per message`);
  const results = { fast: fast.description, cases: [] };
  const s = (n) => only.has(String(n));

  if (s(1)) {
    await runCase(results, { scenario: 1, id: 's1-sequential', title: `1. one connection, ${COUNTS.s1} x 2 KB in sequence`, metric: 'msgPerSec', ceiling: true, raw: true }, (lib) =>
      lib === 'smtp-source'
        ? source({ host: fast.host, port: fast.port, sessions: 1, messages: COUNTS.s1 })
        : worker({ kind: 'throughput', library: lib, host: fast.host, port: fast.port, count: countFor(lib, COUNTS.s1), size: MESSAGE_BYTES, connections: 1, maxMessages: 1e9, sequential: true, rehearsal: rehearsal(countFor(lib, COUNTS.s1)) }),
    );
  }
  if (s(2)) {
    // Every library keeps its connections for the whole run, as smtp-source -d does (and as scenario 1 does).
    // Before commit 1209c0a the libraries retired a connection every 100 messages (nodemailer's default) while the
    // ceiling never reconnected: 100 reconnects a run that the ceiling did not pay for (mailwire: -10-20% msg/s).
    // One burst: `pool` connections, COUNTS.s2 messages fired together, after a rehearsal or from a fresh process.
    const burst = (lib, pool, warmed) =>
      lib === 'smtp-source'
        ? source({ host: fast.host, port: fast.port, sessions: pool, messages: COUNTS.s2 })
        : worker({ kind: 'throughput', library: lib, host: fast.host, port: fast.port, count: countFor(lib, COUNTS.s2), size: MESSAGE_BYTES, connections: pool, maxMessages: 1e9, sequential: false, rehearsal: warmed ? rehearsal(countFor(lib, COUNTS.s2)) : [] });
    for (const pool of COUNTS.s2pools) {
      await runCase(results, { scenario: 2, id: `s2-pool${pool}`, title: `2. pool of ${pool}, ${COUNTS.s2} x 2 KB fired together`, metric: 'msgPerSec', ceiling: true, raw: true }, (lib) => burst(lib, pool, true));
    }
    // The same burst as the first thing a fresh process does: JIT compilation lands inside the run. Shown
    // beside the warmed figures, not counted against the targets.
    const pool = COUNTS.s2pools[0];
    await runCase(results, { scenario: 2, id: `s2c-pool${pool}-cold`, title: `2c. pool of ${pool}, ${COUNTS.s2} x 2 KB fired together by a fresh process (no warm-up)`, metric: 'msgPerSec', ceiling: true, target: false }, (lib) => burst(lib, pool, false));
  }
  if (s(4)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailwire-bench-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'attachment.bin');
    writeRandomFile(file, COUNTS.s4bytes);
    const mb = Math.round(COUNTS.s4bytes / 1024 / 1024);
    await runCase(results, { scenario: 4, id: 's4-attachment', title: `4. one ${mb} MB file attachment`, metric: 'rssOverMB' }, (lib) =>
      worker({ kind: 'attachment', library: lib, host: fast.host, port: fast.port, path: file, maxMessageBytes: 4 * COUNTS.s4bytes + 1024 * 1024 }),
    );
  }
  if (s(5)) {
    if (existsSync(path.join(HERE, 'compose.mjs'))) await composeRunner(results);
    else log('\n5. bench/compose.mjs is missing: only 5b below');
    // 5b: every library (emailjs too), each in its own process, with this bench's own fixture.
    await runCase(results, { scenario: 5, id: 's5b-compose-each', title: `5b. compose ${COUNTS.s5b} messages (text + html + ${COUNTS.s5att / 1024} KB attachment), one process per library`, metric: 'mbPerSec' }, (lib) =>
      worker({ kind: 'compose', library: lib, count: COUNTS.s5b, attachmentBytes: COUNTS.s5att, warmup: COUNTS.composeWarmup }),
    );
  }
  if (s(6)) await dkimRunner(results);
  if (s('soak')) results.soak = await soakRunner(fast);
  if (s(3)) {
    // Last: with the interop Postfix, its queue manager keeps delivering after the run, and the CPU it uses
    // must not land on the throughput figures.
    const chunking = await startChunkingServer(args['rt-server']);
    cleanups.push(() => chunking.close());
    const plain = await startPipeliningOnlyServer(fast);
    cleanups.push(() => plain.close());
    log(`round trips: ${chunking.description}; DATA path: ${plain.description}`);
    const viaProxy = async (server, spec) => {
      const proxy = await startDelayProxy({ targetHost: server.host, targetPort: server.port, delayMs: 10 });
      try {
        const result = await worker({ ...spec, host: '127.0.0.1', port: proxy.port });
        if (!result.ok) return result;
        const stats = proxy.stats();
        return { ...result, proxy: { connections: stats.connections, roundTrips: stats.roundTrips, sessionRoundTrips: stats.sessionRoundTrips, clientFlights: stats.clientFlights, serverFlights: stats.serverFlights } };
      } finally {
        await proxy.close();
      }
    };
    await runCase(results, { scenario: 3, id: 's3-rcpt100', title: `3a. one message to ${COUNTS.s3rcpts} recipients (PIPELINING + CHUNKING, 20 ms RTT)`, metric: 'rtPerMsg', server: chunking.description }, (lib) =>
      viaProxy(chunking, { kind: 'roundtrip', library: lib, count: 1, rcpts: COUNTS.s3rcpts, maxMessages: 1000 }),
    );
    await runCase(results, { scenario: 3, id: 's3-pooled-bdat', title: `3b. ${COUNTS.s3pooled} messages on one pooled connection (PIPELINING + CHUNKING, 20 ms RTT)`, metric: 'rtPerMsg', server: chunking.description }, (lib) =>
      viaProxy(chunking, { kind: 'roundtrip', library: lib, count: countFor(lib, COUNTS.s3pooled, EMAILJS_SHARE_RT), rcpts: 1, maxMessages: 1000 }),
    );
    await runCase(results, { scenario: 3, id: 's3-pooled-data', title: `3c. ${COUNTS.s3pooled} messages on one pooled connection (PIPELINING, no CHUNKING, 20 ms RTT)`, metric: 'rtPerMsg', server: plain.description }, (lib) =>
      viaProxy(plain, { kind: 'roundtrip', library: lib, count: countFor(lib, COUNTS.s3pooled, EMAILJS_SHARE_RT), rcpts: 1, maxMessages: 1000 }),
    );
  }

  machine.loadavgEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const summary = summarize(results.cases);
  const report = {
    generatedAt: startedAt.toISOString(),
    durationSec: Math.round((Date.now() - startedAt.getTime()) / 1000),
    quick,
    rounds,
    machine,
    servers: { fast: fast.description, smtpSource: sourceBinary ?? null },
    counts: COUNTS,
    cases: results.cases,
    ...(results.soak ? { soak: results.soak } : {}),
    ratios: summary.ratios,
    sameRoundRatios: summary.sameRoundRatios,
    targets: summary.targets,
  };
  printReport(report);
  if (report.soak) printSoak(report.soak);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`\nwrote ${path.relative(process.cwd(), outFile)}`);
}

/** --report FILE: prints a saved run again (medians, ratios and targets recomputed); --out writes it back. */
async function reprint(file) {
  const { readFileSync } = await import('node:fs');
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const summary = summarize(report.cases);
  Object.assign(report, { ratios: summary.ratios, sameRoundRatios: summary.sameRoundRatios, targets: summary.targets });
  if (report.soak?.samples) report.soak.summary = summarizeSoak(report.soak.samples, report.soak.count);
  printReport(report);
  if (report.soak) printSoak(report.soak);
  if (args.out) writeFileSync(path.resolve(String(args.out)), `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * Scenario 5 through the MIME engineer's runner (bench/compose.mjs: mailwire vs nodemailer in one process,
 * alternating, medians), run in a child process so its heap stays out of this one.
 */
async function composeRunner(results) {
  const title = `5. compose ${COUNTS.s5} messages (text + html + ${COUNTS.s5att / 1024} KB attachment), bench/compose.mjs`;
  log(`\n${title}`);
  const result = await worker({ kind: 'compose-runner', messages: COUNTS.s5, rounds, attachmentBytes: COUNTS.s5att });
  const entry = { scenario: 5, id: 's5-compose', title, metric: 'mbPerSec', runner: 'bench/compose.mjs', runs: { mailwire: [], nodemailer: [] } };
  if (!result.ok) {
    failed = true;
    log(`  ! bench/compose.mjs failed: ${result.error}`);
    entry.runs.mailwire.push(result);
  } else {
    for (const lib of ['mailwire', 'nodemailer']) {
      for (const run of result.result[lib].runs) {
        const r = { ok: true, ms: run.seconds * 1000, count: COUNTS.s5, bytes: Math.round(run.mbPerSec * 1e6 * run.seconds), errors: 0 };
        entry.runs[lib].push(r);
        log(`  ${lib.padEnd(11)} ${Math.round(run.messagesPerSec)} msg/s, ${((r.bytes / 1048576 / r.ms) * 1000).toFixed(1)} MB/s`);
      }
    }
  }
  results.cases.push(entry);
}

/**
 * Scenario 6 through bench/dkim.mjs (mailwire vs nodemailer DKIM in one child process, alternating):
 * 6a/6b signing a composed 2 KB message (CPU µs per signature in the runs' cpuMs), 6c compose + sign.
 */
async function dkimRunner(results) {
  log(`\n6. DKIM (bench/dkim.mjs): ${COUNTS.s6signs} signatures of a 2 KB message; ${COUNTS.s6} messages composed and signed`);
  const result = await worker({ kind: 'dkim-runner', messages: COUNTS.s6, signs: COUNTS.s6signs, rounds, attachmentBytes: COUNTS.s5att });
  const titles = {
    'sign-rsa': `6a. DKIM RSA-2048: sign a composed 2 KB message, ${COUNTS.s6signs} times (CPU µs/msg in the detail)`,
    'sign-ed25519': `6b. DKIM Ed25519: sign a composed 2 KB message, ${COUNTS.s6signs} times (nodemailer has no Ed25519)`,
    'compose-sign-rsa': `6c. compose + DKIM RSA-2048, ${COUNTS.s6} messages (text + html + ${COUNTS.s5att / 1024} KB attachment)`,
  };
  if (!result.ok) {
    failed = true;
    log(`  ! bench/dkim.mjs failed: ${result.error}`);
    return;
  }
  for (const [id, libs] of Object.entries(result.result.cases)) {
    const metric = id.startsWith('sign') ? 'msgPerSec' : 'mbPerSec';
    const entry = { scenario: 6, id: `s6-${id}`, title: titles[id], metric, target: false, runner: 'bench/dkim.mjs', runs: {} };
    for (const [lib, summary] of Object.entries(libs)) {
      entry.runs[lib] = summary.runs.map((run) => ({ ok: true, errors: 0, ...run }));
      log(`  ${id.padEnd(16)} ${lib.padEnd(11)} ${summary.cpuUsPerMsg.toFixed(0)} µs CPU/msg, ${summary.mbPerSec.toFixed(1)} MB/s`);
    }
    results.cases.push(entry);
  }
}

/**
 * The soak (issue 21): one long run of mailwire alone in a fresh process, a steady stream of SOAK.window
 * sends in flight through a pool of SOAK.pool, sampled every SOAK.every messages.
 */
async function soakRunner(fast) {
  log(`\nsoak: ${SOAK.count.toLocaleString('en')} x 2 KB through a pool of ${SOAK.pool} (${SOAK.window} in flight), sampled every ${SOAK.every.toLocaleString('en')}`);
  const result = await worker({ kind: 'soak', library: 'mailwire', host: fast.host, port: fast.port, count: SOAK.count, connections: SOAK.pool, window: SOAK.window, every: SOAK.every, size: MESSAGE_BYTES }, Math.max(workerTimeoutMs, SOAK.count * 2));
  if (!result.ok || result.errors > 0) {
    failed = true;
    log(`  ! soak: ${result.error ?? `${result.errors} failed sends, first: ${result.firstError}`}`);
  }
  if (result.ok) {
    for (const s of result.samples) {
      log(`  ${String(s.messages).padStart(9)} msgs  ${String(s.msgPerSec).padStart(6)} msg/s  ${String(s.cpuUsPerMsg).padStart(6)} us CPU/msg  RSS ${String(s.rssMB).padStart(6)} MB  heap ${String(s.heapUsedMB).padStart(6)} MB  p50 ${s.p50Ms} ms  p99 ${s.p99Ms} ms`);
    }
  }
  return { ...SOAK, ...result };
}

function printSoak(soak) {
  const s = soak.summary;
  if (!s) return;
  log(`\n## Soak: ${soak.count.toLocaleString('en')} messages, pool of ${soak.pool}, ${Math.round((soak.count / soak.ms) * 1000)} msg/s overall, ${((soak.cpuMs * 1000) / soak.count).toFixed(1)} us CPU/msg`);
  log(`- RSS slope after warm-up (${s.warmupMessages.toLocaleString('en')} messages): ${s.rssSlopeMBPer100k} MB per 100,000 messages (heap ${s.heapSlopeMBPer100k}); ${s.rssAfterWarmupMB} MB after warm-up, ${s.rssEndMB} MB at the end, peak ${s.rssPeakMB} MB  ${Math.abs(s.rssSlopeMBPer100k) < 1 ? 'PASS' : 'MISS'} (< 1 MB)`);
  log(`- throughput: first fifth ${s.throughputFirstFifth} msg/s, last fifth ${s.throughputLastFifth} msg/s (x${s.throughputDecay})`);
  log(`- p99 latency per ${soak.every.toLocaleString('en')} messages: ${s.p99FirstFifthMs} ms in the first fifth, ${s.p99LastFifthMs} ms in the last, median ${s.p99MedianMs} ms, worst ${s.p99MaxMs} ms`);
}

/** Runs every library (and the ceiling) `rounds` times, rotating the order each round. */
async function runCase(results, meta, measure) {
  const entrants = [...libraries];
  if (meta.raw && libraries.includes('mailwire')) entrants.push(MAILWIRE_RAW);
  if (meta.ceiling && smtpSourceBinary()) entrants.push('smtp-source');
  const entry = { ...meta, runs: Object.fromEntries(entrants.map((e) => [e, []])) };
  results.cases.push(entry);
  log(`\n${meta.title}`);
  for (let round = 0; round < rounds; round += 1) {
    const order = entrants.map((_, i) => entrants[(i + round) % entrants.length]);
    for (const lib of order) {
      const result = await measure(lib);
      entry.runs[lib].push(result);
      log(`  round ${round + 1} ${lib.padEnd(12)} ${describe(meta, result)}`);
      const broken = !result.ok || result.errors > 0;
      if (broken && lib.startsWith('mailwire')) failed = true;
      if (broken) log(`    ! ${lib}: ${result.error ?? `${result.errors} failed sends, first: ${result.firstError}`}`);
    }
  }
}

function describe(meta, r) {
  if (!r.ok) return 'FAILED';
  const parts = [];
  if (meta.metric === 'msgPerSec') parts.push(`${Math.round((r.count / r.ms) * 1000)} msg/s`, `${Math.round(r.ms)} ms`);
  if (meta.metric === 'rtPerMsg') parts.push(`${(r.proxy.roundTrips / r.count).toFixed(2)} RT/msg (+${r.proxy.sessionRoundTrips} session)`, `${Math.round(r.ms)} ms`);
  if (meta.metric === 'rssOverMB') parts.push(`${Math.round(r.ms)} ms`, `+${((r.rssPeak - r.rssBaseline) / 1048576).toFixed(1)} MB RSS`);
  if (meta.metric === 'mbPerSec') parts.push(`${Math.round((r.count / r.ms) * 1000)} msg/s`, `${((r.bytes / 1048576 / r.ms) * 1000).toFixed(1)} MB/s`);
  if (r.rssPeak !== undefined && meta.metric !== 'rssOverMB') parts.push(`peak RSS ${Math.round(r.rssPeak / 1048576)} MB`);
  if (r.cpuMs !== undefined) parts.push(`cpu ${Math.round(r.cpuMs)} ms`);
  return parts.join(', ');
}

function worker(spec, timeoutMs = workerTimeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', WORKER, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line);
        if (!parsed.ok && stderr) parsed.stderr = stderr.slice(-2000);
        resolve(parsed);
      } catch {
        resolve({ ok: false, error: `worker exited ${code ?? signal}${signal === 'SIGKILL' ? ' (timed out)' : ''}: ${stderr.trim().slice(-1000)}` });
      }
    });
  });
}

function source({ host, port, sessions, messages }) {
  return runSmtpSource(smtpSourceBinary(), { host, port, sessions, messages, size: MESSAGE_BYTES, timeoutMs: workerTimeoutMs });
}

/** Random bytes, so base64 has nothing to exploit; written in 1 MB pieces to keep this process small. */
function writeRandomFile(file, bytes) {
  const fd = openSync(file, 'w');
  try {
    const piece = Buffer.alloc(1024 * 1024);
    for (let left = bytes; left > 0; left -= piece.length) {
      for (let i = 0; i < piece.length; i += 4) piece.writeUInt32LE((Math.random() * 0x100000000) >>> 0, i);
      writeSync(fd, piece, 0, Math.min(piece.length, left));
    }
  } finally {
    closeSync(fd);
  }
}

/** Copies dist/ aside so a concurrent `npm run build` (rm -rf dist) cannot break a long run. */
function snapshotDist() {
  if (!existsSync(path.join(DEFAULT_DIST, 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first (npm run bench does)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailwire-bench-dist-'));
  cpSync(DEFAULT_DIST, dir, { recursive: true });
  // dist/ has no package.json of its own: the copy needs one to stay ESM.
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  process.env.MAILWIRE_BENCH_DIST = dir;
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [key, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) out[key] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out[key] = argv[(i += 1)];
    else out[key] = true;
  }
  return out;
}

function log(line) {
  process.stdout.write(`${line}\n`);
}

async function cleanup() {
  for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch(() => undefined);
}

process.once('SIGINT', () => {
  cleanup().finally(() => process.exit(130));
});

main()
  .catch((error) => {
    failed = true;
    process.stderr.write(`bench crashed: ${error?.stack ?? error}\n`);
  })
  .finally(async () => {
    await cleanup();
    process.exit(failed ? 1 : 0);
  });
