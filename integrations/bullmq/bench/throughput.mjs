// Throughput of @mailwire/bullmq with 1, 2 and 4 worker processes against mailwire's sink (discarding),
// on a private redis-server: jobs/s, and Redis commands per job, counted twice: by the workers (every
// command their ioredis clients send, i.e. round trips when not pipelined) and by Redis (INFO commandstats
// deltas, where the commands a Lua script runs are counted under their own names).
//   node bench/throughput.mjs [--jobs N] [--workers 1,2,4] [--concurrency N]      (after npm run build)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { startSink } from 'mailwire';
import { createMailQueue } from '../dist/index.js';
import { startRedis } from '../test/helpers/redis-server.mjs';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '3000' }, workers: { type: 'string', default: '1,2,4' }, concurrency: { type: 'string', default: '10' } } });
const JOBS = Number(values.jobs);
const WORKER = fileURLToPath(new URL('../test/fixtures/chaos-worker.mjs', import.meta.url));

/** Microseconds Redis spent per command name in the last parse (scripts include what they call). */
const usec = {};
const redis = await startRedis();
const sink = await startSink({ discard: true });
const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
const rows = [];
try {
  for (const n of values.workers.split(',').map(Number)) rows.push(await run(n));
} finally {
  admin.disconnect();
  await sink.close();
  await redis.stop();
}
console.log(JSON.stringify({ jobs: JOBS, concurrency: Number(values.concurrency), node: process.version, rows }, null, 2));

async function run(workers) {
  const name = `bench-${workers}`;
  const q = createMailQueue({ connection: redis.url, name, jobOptions: { removeOnComplete: false } });
  for (let i = 0; i < JOBS; i += 500) {
    const batch = Array.from({ length: Math.min(500, JOBS - i) }, (_, j) => i + j);
    await Promise.all(batch.map((k) => q.enqueue({ from: 'a@example.com', to: 'b@example.com', subject: `bench ${k}`, text: 'x'.repeat(2000) }, { idempotencyKey: `b${workers}-${k}` })));
  }
  // Workers load first (node + BullMQ take a while), then all start at once when told to.
  const env = { ...process.env, REDIS_URL: redis.url, SMTP_PORT: String(sink.port), QUEUE: name, MODE: 'safe', CONCURRENCY: values.concurrency, COUNT_COMMANDS: '1', STANDBY: '1' };
  const procs = await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise((resolve) => {
        const child = fork(WORKER, [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        child.once('message', () => resolve(child));
      }),
    ),
  );
  const watch = new Queue(name, { connection: admin });
  await admin.config('RESETSTAT');
  const t0 = performance.now();
  for (const p of procs) p.send('go');
  let polls = 0;
  for (;;) {
    polls += 1;
    const c = await watch.getJobCounts('completed', 'failed');
    if (c.completed + c.failed >= JOBS) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  const serverStats = parseCommandStats(await admin.info('commandstats'));
  const counted = await Promise.all(
    procs.map((p) => new Promise((resolve) => {
      p.on('message', (m) => m?.commands && resolve(m.commands));
      p.kill('SIGTERM');
    })),
  );
  const client = {};
  for (const c of counted) for (const [k, v] of Object.entries(c)) client[k] = (client[k] ?? 0) + v;
  const clientTotal = Object.values(client).reduce((a, b) => a + b, 0);
  const scripts = (serverStats.evalsha ?? 0) + (serverStats.eval ?? 0);
  const counts = await watch.getJobCounts('completed', 'failed');
  await watch.close();
  await q.close();
  return {
    workers,
    jobsPerSecond: Math.round(JOBS / seconds),
    seconds: Number(seconds.toFixed(2)),
    completed: counts.completed,
    failed: counts.failed,
    clientCommandsPerJob: Number((clientTotal / JOBS).toFixed(2)),
    clientByCommand: Object.fromEntries(Object.entries(client).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Number((v / JOBS).toFixed(2))])),
    redisScriptCallsPerJob: Number((scripts / JOBS).toFixed(2)),
    redisCommandsPerJob: Number((Object.values(serverStats).reduce((a, b) => a + b, 0) / JOBS).toFixed(2)),
    // Time Redis itself spent per job running scripts (their inner commands included): what the machine's
    // CPU gives to Redis, as opposed to the workers, the sink and the kernel.
    redisScriptMicrosecondsPerJob: Math.round(((usec.evalsha ?? 0) + (usec.eval ?? 0)) / JOBS),
    benchPollingCalls: polls,
  };
}

function parseCommandStats(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) {
      out[m[1]] = Number(m[2]);
      usec[m[1]] = Number(m[3]);
    }
  }
  return out;
}
