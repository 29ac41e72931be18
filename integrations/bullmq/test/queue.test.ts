/**
 * createMailQueue + startMailWorker against real Redis (Debian's redis-server) and mailwire's sink: the
 * idempotency record's transitions, one per test, each seen from the server's side (what it received).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import PostalMime from 'postal-mime';
import { createTransport, startSink, SmtpError, type MailMessage, type SendCallOptions, type SunkMessage } from 'mailwire';
import { createMailQueue, startMailWorker, type MailSender, type MailWorkerOptions } from '../src/index.js';
import { startChaosSmtp } from './helpers/chaos-smtp.mjs';
import { later, uniqueName, until, useRedis } from './helpers/setup.js';

const redis = useRedis();

const message: MailMessage = { from: 'a@example.com', to: 'b@example.com', subject: 'queued', text: 'hello' };
const fastRetry = { attempts: 3, backoff: { type: 'fixed', delay: 50 } };

async function sink(options: Parameters<typeof startSink>[0] = {}): Promise<{ port: number; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  const server = await startSink({ onMessage: (m) => messages.push(m), ...options });
  later(() => server.close());
  return { port: server.port, messages };
}

function queue(name: string) {
  const q = createMailQueue({ connection: redis.url, name, jobOptions: fastRetry });
  later(() => q.close());
  return q;
}

function worker(name: string, port: number, extra: Partial<MailWorkerOptions> = {}) {
  const transport = createTransport({ host: '127.0.0.1', port, security: 'none', retry: { attempts: 1 } });
  const w = startMailWorker({ connection: redis.url, name, transport, concurrency: 4, ...extra });
  later(() => w.close());
  return w;
}

async function settled(name: string, count: number, tenant?: string): Promise<Queue> {
  const q = new Queue(tenant ? `${name}.t.${tenant}` : name, { connection: redis.client() });
  later(() => q.close());
  await until(async () => {
    const c = await q.getJobCounts('completed', 'failed');
    return (c.completed ?? 0) + (c.failed ?? 0) >= count;
  }, `${count} jobs settled`);
  return q;
}

describe('enqueue and send', () => {
  it('sends once; the same key enqueued again is a no-op that returns the earlier result', async () => {
    const name = uniqueName();
    const { port, messages } = await sink();
    const q = queue(name);
    const first = await q.enqueue(message, { idempotencyKey: 'order-1' });
    expect(first.status).toBe('queued');
    expect(first.messageId).toMatch(/^<[0-9a-f-]+@example\.com>$/);
    worker(name, port);
    const bull = await settled(name, 1);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.raw?.toString()).toContain(`Message-ID: ${first.messageId}`);
    const job = await bull.getJob(first.jobId);
    expect(job?.returnvalue).toMatchObject({ status: 'sent', result: { messageId: first.messageId, accepted: ['b@example.com'] } });

    const again = await q.enqueue({ ...message, subject: 'other' }, { idempotencyKey: 'order-1' });
    expect(again).toMatchObject({ status: 'sent', messageId: first.messageId, result: { accepted: ['b@example.com'] } });
    expect(await bull.getJobCounts('waiting', 'completed')).toMatchObject({ waiting: 0, completed: 1 });
    expect(messages).toHaveLength(1);
  });

  it('the default key is the Message-ID, fixed at enqueue (given or generated)', async () => {
    const name = uniqueName();
    const q = queue(name);
    const given = await q.enqueue({ ...message, messageId: '<fixed@example.com>' });
    expect(given).toMatchObject({ key: '<fixed@example.com>', messageId: '<fixed@example.com>' });
    const dup = await q.enqueue({ ...message, messageId: '<fixed@example.com>' });
    expect(dup.jobId).toBe(given.jobId);
    const generated = await q.enqueue(message);
    expect(generated.key).toBe(generated.messageId);
    const stats = await q.stats();
    expect(stats.waiting).toBe(2);
  });

  it('delay and priority are BullMQ\'s own', async () => {
    const name = uniqueName();
    const q = queue(name);
    await q.enqueue(message, { delay: 60_000 });
    await q.enqueue(message, { priority: 1 });
    expect(await q.stats()).toMatchObject({ delayed: 1, prioritized: 1, waiting: 0 });
  });

  it('attachments: Buffers travel as base64 and arrive intact', async () => {
    const name = uniqueName();
    const { port, messages } = await sink();
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 13, 10, 46]);
    await queue(name).enqueue({ ...message, attachments: [{ filename: 'b.bin', content: bytes }], html: Buffer.from('<p>é</p>') });
    worker(name, port);
    await settled(name, 1);
    const parsed = await PostalMime.parse(messages[0]?.raw ?? Buffer.alloc(0));
    expect(Buffer.from(parsed.attachments[0]?.content as ArrayBuffer)).toEqual(bytes);
    expect(parsed.html).toContain('<p>é</p>');
  });

  it('refuses a path attachment or a stream at enqueue (EGUARD naming the attachment), nothing recorded', async () => {
    const name = uniqueName();
    const q = queue(name);
    const byPath = await q.enqueue({ ...message, attachments: [{ content: 'ok' }, { path: '/etc/hostname' }] }).catch((e: unknown) => e);
    expect(SmtpError.is(byPath) && byPath.code).toBe('EGUARD');
    expect((byPath as Error).message).toMatch(/attachment 1 has a local path.*`content`.*base64.*`href`/);
    const stream = await q.enqueue({ ...message, attachments: [{ content: Readable.from(['x']) }] }).catch((e: unknown) => e);
    expect((stream as SmtpError).code).toBe('EGUARD');
    expect((stream as Error).message).toMatch(/attachment 0 has a stream/);
    expect(await redis.client().keys(`mailwire:{${name}}:*`)).toEqual([]);
  });
});

describe('outcomes', () => {
  it('a permanent refusal fails the job with the SmtpError fields stored on it, and sends nothing more', async () => {
    const name = uniqueName();
    const { port, messages } = await sink({ refuseRecipients: () => true });
    const r = await queue(name).enqueue(message);
    worker(name, port);
    const bull = await settled(name, 1);
    const job = await bull.getJob(r.jobId);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.data.failure).toMatchObject({ code: 'EENVELOPE', replyCode: 550, enhancedCode: '5.1.1', phase: 'rcpt', delivery: 'none' });
    expect(messages).toHaveLength(0);
    expect((await redis.client().hgetall(`mailwire:{${name}}:k:${r.key}`)).state).toBe('failed');
  });

  it('a 451 after the dot is retried by BullMQ and sent once', async () => {
    const name = uniqueName();
    let refusals = 1;
    const messages: SunkMessage[] = [];
    const { port } = await sink({
      onMessage: (m) => {
        if (refusals-- > 0) throw new Error('not now');
        messages.push(m);
      },
    });
    const r = await queue(name).enqueue(message);
    worker(name, port);
    const bull = await settled(name, 1);
    const job = await bull.getJob(r.jobId);
    expect(job?.returnvalue?.status).toBe('sent');
    expect(job?.attemptsMade).toBe(2); // BullMQ counts the failed try and the one that sent
    expect(messages).toHaveLength(1);
  });

  it('Redis failing the mark commits nothing, and the job runs again instead of failing', async () => {
    const name = uniqueName();
    const { port, messages } = await sink();
    const r = await queue(name).enqueue(message);
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    later(async () => client.disconnect());
    const transport = createTransport({ host: '127.0.0.1', port, security: 'none', retry: { attempts: 1 } });
    const w = startMailWorker({ connection: client, name, transport, concurrency: 1 });
    later(() => w.close());
    // The worker defined its scripts on this client: make the first mark fail as a lost connection would.
    const scripts = client as unknown as { mwMark: (...args: unknown[]) => Promise<unknown> };
    const mark = scripts.mwMark.bind(client);
    let failures = 1;
    scripts.mwMark = (...args) => (failures-- > 0 ? Promise.reject(new Error('Connection is closed.')) : mark(...args));
    const bull = await settled(name, 1);
    expect((await bull.getJob(r.jobId))?.returnvalue?.status).toBe('sent');
    expect(messages).toHaveLength(1);
  });

  it("a connection lost after the dot ('unknown') is parked, listed, and not sent again", async () => {
    const name = uniqueName();
    const chaos = await startChaosSmtp({ dropRate: 1 });
    later(() => chaos.close());
    const q = queue(name);
    const r = await q.enqueue(message);
    worker(name, chaos.port);
    const bull = await settled(name, 1);
    expect(chaos.stats.dots).toBe(1);
    const job = await bull.getJob(r.jobId);
    expect(job?.failedReason).toMatch(/^parked: the connection ended after the final dot/);
    expect(job?.data.failure).toMatchObject({ delivery: 'unknown', phase: 'data' });
    const parked = await q.listParked();
    expect(parked).toEqual([expect.objectContaining({ key: r.key, messageId: r.messageId, error: expect.objectContaining({ delivery: 'unknown' }) })]);
    expect((await q.stats()).parked).toBe(1);
    expect(await q.enqueue(message, { idempotencyKey: r.key })).toMatchObject({ status: 'parked' });
  });
});

describe('crash points', () => {
  /** A transport whose process "dies" at a chosen point: it throws a plain Error there, as a crash would leave it. */
  function crashing(port: number, at: 'after-mark' | 'after-dot'): MailSender & { sent: number } {
    const real = createTransport({ host: '127.0.0.1', port, security: 'none', retry: { attempts: 1 } });
    let crashes = 1;
    const sender = {
      sent: 0,
      async send(m: MailMessage, options?: SendCallOptions) {
        if (at === 'after-mark' && crashes-- > 0) {
          await options?.beforeCommit?.();
          throw new Error('worker died after the mark');
        }
        const info = await real.send(m, options);
        sender.sent += 1;
        if (at === 'after-dot' && crashes-- > 0) throw new Error('worker died after the dot');
        return info;
      },
      close: () => real.close(),
    };
    return sender;
  }

  for (const at of ['after-mark', 'after-dot'] as const) {
    it(`a job whose previous run stopped ${at} finds the mark and parks, never resending`, async () => {
      const name = uniqueName();
      const { port, messages } = await sink();
      const q = queue(name);
      const r = await q.enqueue(message);
      const transport = crashing(port, at);
      const w = startMailWorker({ connection: redis.url, name, transport, concurrency: 1 });
      later(() => w.close());
      const bull = await settled(name, 1);
      expect(messages).toHaveLength(at === 'after-dot' ? 1 : 0);
      const job = await bull.getJob(r.jobId);
      expect(job?.failedReason).toMatch(/^parked: found marked sending by attempt/);
      expect(job?.attemptsMade).toBe(2);
      expect((await q.listParked()).map((p) => p.key)).toEqual([r.key]);
    });
  }

  it('two runs at once (a lost lock): the second parks, the first one\'s 250 resolves the park to sent', async () => {
    const name = uniqueName();
    const { port, messages } = await sink();
    const q = queue(name);
    const r = await q.enqueue(message);
    const real = createTransport({ host: '127.0.0.1', port, security: 'none', retry: { attempts: 1 } });
    let marked!: () => void;
    const isMarked = new Promise<void>((resolve) => (marked = resolve));
    let go!: () => void;
    const mayGo = new Promise<void>((resolve) => (go = resolve));
    // The first run holds still between its mark and its dot, as a worker that lost its lock could.
    const slow: MailSender = {
      send: (m, options) =>
        real.send(m, {
          beforeCommit: async () => {
            await options?.beforeCommit?.();
            marked();
            await mayGo;
          },
        }),
      close: () => real.close(),
    };
    const first = startMailWorker({ connection: redis.url, name, transport: slow, concurrency: 1 });
    later(() => first.close());
    await isMarked;
    const bull = new Queue(name, { connection: redis.client() });
    later(() => bull.close());
    const original = await bull.getJob(r.jobId);
    await bull.add('send', original?.data, { jobId: 'second-run' });
    worker(name, port);
    await until(async () => (await bull.getJob('second-run'))?.failedReason?.startsWith('parked:') === true, 'the second run to park');
    expect((await q.listParked()).map((p) => p.key)).toEqual([r.key]);
    go();
    await until(async () => (await bull.getJob(r.jobId))?.returnvalue?.status === 'sent', 'the first run to finish');
    expect(await q.listParked()).toEqual([]);
    expect((await redis.client().hgetall(`mailwire:{${name}}:k:${r.key}`)).state).toBe('sent');
    expect(messages).toHaveLength(1);
  });

  it('a job run again after its result was recorded completes with the earlier result, sending nothing', async () => {
    const name = uniqueName();
    const { port, messages } = await sink();
    const q = queue(name);
    const r = await q.enqueue(message);
    worker(name, port);
    const bull = await settled(name, 1);
    const job = await bull.getJob(r.jobId);
    // The same job data again under another id: what BullMQ does when the worker died before completing.
    await bull.add('send', job?.data, { jobId: 'replay' });
    await settled(name, 2);
    expect((await bull.getJob('replay'))?.returnvalue).toMatchObject({ status: 'sent', earlier: true, result: { messageId: r.messageId } });
    expect(messages).toHaveLength(1);
  });
});

describe('tenants and shutdown', () => {
  it('a tenant has its own queue and rate limit; stats count both', async () => {
    const name = uniqueName();
    const { port, messages } = await sink();
    const q = queue(name);
    await q.enqueue(message, { tenant: 'acme' });
    await q.enqueue(message);
    worker(name, port, { tenants: { acme: { concurrency: 1, limiter: { max: 10, duration: 1000 } } } });
    await settled(name, 1, 'acme');
    await settled(name, 1);
    expect(messages).toHaveLength(2);
    const stats = await q.stats();
    expect(stats.completed).toBe(2);
    expect(Object.keys(stats.queues).sort()).toEqual([name, `${name}.t.acme`]);
    await expect(q.enqueue(message, { tenant: 'no:colons' })).rejects.toThrow(/tenant must be/);
  });

  it('a key queued for a tenant stays in that queue when enqueued again without it', async () => {
    const name = uniqueName();
    const q = queue(name);
    const first = await q.enqueue(message, { idempotencyKey: 'k1', tenant: 'acme' });
    const again = await q.enqueue(message, { idempotencyKey: 'k1' });
    expect(again.jobId).toBe(first.jobId);
    const stats = await q.stats();
    expect(stats.queues[`${name}.t.acme`]?.waiting).toBe(1);
    expect(stats.queues[name]?.waiting).toBe(0);
  });

  it('close() lets the send in flight finish, then closes the transport', async () => {
    const name = uniqueName();
    const { port, messages } = await sink();
    const real = createTransport({ host: '127.0.0.1', port, security: 'none' });
    const order: string[] = [];
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const transport: MailSender = {
      async send(m, options) {
        started();
        await new Promise((r) => setTimeout(r, 200));
        const info = await real.send(m, options);
        order.push('sent');
        return info;
      },
      async close() {
        order.push('close');
        await real.close();
      },
    };
    await queue(name).enqueue(message);
    const w = startMailWorker({ connection: redis.url, name, transport, concurrency: 1 });
    await inFlight;
    await w.close();
    expect(order).toEqual(['sent', 'close']);
    expect(messages).toHaveLength(1);
  });
});
