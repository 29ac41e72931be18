import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import PostalMime from 'postal-mime';
import { createTransport, SmtpError, type SmtpTransport, type TransportConfig } from '../../src/index.js';
import { startSink, type SinkServer, type SunkMessage } from '../../src/sink/index.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { greetAndEhlo, pipelinedToDot, scriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-server.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function sink(options: Parameters<typeof startSink>[0] = {}): Promise<{ server: SinkServer; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  const server = await startSink({ ...options, onMessage: (m) => messages.push(m) });
  cleanups.push(() => server.close());
  return { server, messages };
}

function transport(config: TransportConfig | TransportConfig[]): SmtpTransport {
  const t = createTransport(config);
  cleanups.push(() => t.close());
  return t;
}

const USER = { user: 'tester', pass: 'correct horse battery staple' };

describe('createTransport against the sink', () => {
  it('sends over STARTTLS with AUTH, and the message reads back with an independent parser', async () => {
    const { server, messages } = await sink({ tls: true, requireTls: true, auth: USER });
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'starttls', auth: USER, tls: { ca: TEST_CERTIFICATE, servername: 'localhost' } });
    const info = await t.send({
      from: 'Sender <sender@example.com>',
      to: ['One <one@example.com>', 'two@example.com'],
      cc: 'cc@example.com',
      bcc: ['hidden@example.com'],
      subject: 'Grüße from mailwire',
      text: 'plain body',
      html: '<p>html body</p>',
      attachments: [{ filename: 'data.bin', content: Buffer.from([0, 1, 2, 254, 255]) }],
    });
    expect(info.accepted.sort()).toEqual(['cc@example.com', 'hidden@example.com', 'one@example.com', 'two@example.com']);
    expect(info.attempts).toBe(1);
    expect(info.messageId).toMatch(/^<.+@.+>$/);
    const [got] = messages;
    expect(got?.secure).toBe(true);
    expect(got?.authUser).toBe('tester');
    const parsed = await PostalMime.parse(got!.raw!);
    expect(parsed.subject).toBe('Grüße from mailwire');
    expect(parsed.text?.trim()).toBe('plain body');
    expect(parsed.html?.trim()).toBe('<p>html body</p>');
    expect(parsed.messageId).toBe(info.messageId);
    expect(parsed.bcc ?? []).toEqual([]);
    expect(got!.raw!.toString()).not.toMatch(/hidden@example\.com/);
    const attachment = parsed.attachments[0];
    expect(Buffer.from(attachment!.content as ArrayBuffer)).toEqual(Buffer.from([0, 1, 2, 254, 255]));
  });

  it('reuses one pooled connection across sends', async () => {
    const { server, messages } = await sink();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none', pool: { maxConnections: 1 } });
    let opened = 0;
    t.on('connection:open', () => (opened += 1));
    for (let i = 0; i < 5; i += 1) await t.send({ from: 'a@example.com', to: 'b@example.com', subject: `n${i}`, text: 'x' });
    expect(opened).toBe(1);
    expect(server.stats.connections).toBe(1);
    expect(messages).toHaveLength(5);
  });

  it('rejects header injection before opening any connection', async () => {
    const { server } = await sink();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
    await expect(
      t.send({ from: 'a@example.com', to: 'b@example.com', subject: 'hi\r\nBcc: victim@example.com', text: 'x' }),
    ).rejects.toMatchObject({ code: 'EGUARD' });
    await expect(
      t.send({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 'x', headers: { 'Content-Type': 'text/evil' } }),
    ).rejects.toMatchObject({ code: 'EGUARD' });
    expect(server.stats.connections).toBe(0);
  });

  it('verify() reports TLS, capabilities, the auth method and timings without sending mail', async () => {
    const { server, messages } = await sink({ tls: true, requireTls: true, auth: USER });
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'starttls', auth: USER, tls: { ca: TEST_CERTIFICATE, servername: 'localhost' } });
    const report = await t.verify();
    expect(report.tls?.authorized).toBe(true);
    expect(report.tls?.protocol).toMatch(/TLSv1\.[23]/);
    expect(report.authMethod).toBe('PLAIN');
    expect(report.capabilities.PIPELINING).toBeDefined();
    expect(report.greeting).toMatch(/^220 /);
    expect(report.timings.totalMs).toBeGreaterThan(0);
    expect(messages).toHaveLength(0);
  });

  it('fails with ECLOSED after close()', async () => {
    const { server } = await sink();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
    await t.close();
    await expect(t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' })).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  it('keeps wrong passwords out of the error and adds the provider hint', async () => {
    const { server } = await sink({ tls: true, auth: USER });
    const t = transport({
      provider: 'sendgrid',
      host: '127.0.0.1',
      port: server.port,
      security: 'starttls',
      auth: { user: 'tester', pass: 'Wr0ng-P4ss' },
      tls: { ca: TEST_CERTIFICATE, servername: 'localhost' },
    });
    const error = await t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }).catch((e: unknown) => e as SmtpError);
    expect(error).toBeInstanceOf(SmtpError);
    expect((error as SmtpError).code).toBe('EAUTH');
    expect((error as SmtpError).message).toContain('apikey');
    // The hint is a field too, not only words appended to the message.
    expect((error as SmtpError).hint).toContain('apikey');
    const all = JSON.stringify(error) + (error as Error).message + String((error as Error).stack);
    expect(all).not.toContain('Wr0ng-P4ss');
    expect(all).not.toContain(Buffer.from('\0tester\0Wr0ng-P4ss').toString('base64'));
  });

  it('keeps a rate limit across the connections of a transport', async () => {
    const { server, messages } = await sink();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none', rateLimit: { messages: 2, perMs: 150 }, pool: { maxConnections: 3 } });
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, (_, i) => t.send({ from: 'a@example.com', to: `r${i}@example.com`, text: 'x' })));
    // 5 messages at 2 per 150 ms cannot finish before two full windows have passed (a lower bound only).
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(messages).toHaveLength(5);
  });
});

describe('retries and failover', () => {
  let scripted: ScriptedServer | undefined;
  afterEach(async () => {
    await scripted?.close();
    scripted = undefined;
  });
  const fastRetry = { attempts: 3, minDelayMs: 5, maxDelayMs: 20 };
  const accept: Step[] = [...pipelinedToDot(/^MAIL FROM:<a@example.com>/), { s: '250 2.0.0 queued' }];

  it('retries a 421 on a fresh connection with the same Message-ID', async () => {
    scripted = await scriptedServer(
      [{ s: '421 4.3.2 busy, try later' }, { close: true }],
      [...greetAndEhlo('client.test', ['PIPELINING']), ...accept],
    );
    const t = transport({ host: '127.0.0.1', port: scripted.port, security: 'none', clientName: 'client.test', retry: fastRetry });
    let retries = 0;
    t.on('retry', () => (retries += 1));
    const info = await t.send({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 'x' });
    expect(info.attempts).toBe(2);
    expect(retries).toBe(1);
    expect(scripted.bodies[0]?.toString()).toContain(`Message-ID: ${info.messageId}`);
  });

  it('never retries a permanent failure', async () => {
    scripted = await scriptedServer([
      ...greetAndEhlo('client.test', ['PIPELINING']),
      { c: /^MAIL FROM/ },
      { c: 'RCPT TO:<b@example.com>' },
      { c: 'DATA' },
      { s: '550 5.7.1 sender rejected' },
      { s: '503 no' },
      { s: '503 no' },
      { c: 'QUIT' },
      { s: '221 bye' },
    ]);
    const t = transport({ host: '127.0.0.1', port: scripted.port, security: 'none', clientName: 'client.test', retry: fastRetry });
    const error = await t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }).then(() => { throw new Error('expected a failure'); }, (e: SmtpError) => e);
    expect(error.code).toBe('EENVELOPE');
    expect(error.replyCode).toBe(550);
    expect(error.transient).toBe(false);
  });

  it("never retries when the connection died after the final dot (delivery 'unknown')", async () => {
    scripted = await scriptedServer(
      [...greetAndEhlo('client.test', ['PIPELINING']), ...accept.slice(0, -1), { close: true }],
      [...greetAndEhlo('client.test', ['PIPELINING']), ...accept],
    );
    const t = transport({ host: '127.0.0.1', port: scripted.port, security: 'none', clientName: 'client.test', retry: fastRetry });
    const error = await t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }).then(() => { throw new Error('expected a failure'); }, (e: SmtpError) => e);
    expect(error.delivery).toBe('unknown');
    expect(scripted.bodies).toHaveLength(1);
  });

  it('fails over to the next configuration when the first is unreachable, and says which delivered', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { server, messages } = await sink();
    const t = transport([
      { host: '127.0.0.1', port: deadPort, security: 'none', retry: fastRetry },
      { host: '127.0.0.1', port: server.port, security: 'none' },
    ]);
    const info = await t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' });
    expect(info.via).toEqual({ index: 1, host: '127.0.0.1', port: server.port });
    expect(info.attempts).toBe(2);
    expect(messages).toHaveLength(1);
  });

  it('refuses a blocked destination through the injected resolver without connecting anywhere', async () => {
    const t = transport({
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      guards: { publicAddressesOnly: true },
      retry: fastRetry,
      resolver: async () => [{ address: '169.254.169.254', family: 4 }],
      connector: async () => {
        throw new Error('the guard must stop this before any connection');
      },
    });
    const error = await t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }).then(() => { throw new Error('expected a failure'); }, (e: SmtpError) => e);
    expect(error.code).toBe('EGUARD');
  });
});

describe('connection sharing', () => {
  it('failover entries with the same identity share one pool (keys: test/pool/pool-key.test.ts)', async () => {
    const { server, messages } = await sink({ auth: USER });
    const same = { host: '127.0.0.1', port: server.port, security: 'none' as const, auth: USER, pool: { maxConnections: 1 } };
    const t = transport([same, { ...same }]);
    let opened = 0;
    t.on('connection:open', () => (opened += 1));
    for (let i = 0; i < 3; i += 1) await t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' });
    expect(opened).toBe(1);
    expect(server.stats.connections).toBe(1);
    expect(messages).toHaveLength(3);
  });
});

/** Messages that count their own composition, and how many were composed when the first was delivered. */
function compositionCounter(t: ReturnType<typeof createTransport>) {
  let composed = 0;
  let atFirstDelivery = -1;
  t.on('message:sent', () => {
    if (atFirstDelivery < 0) atFirstDelivery = composed;
  });
  const message = (i: number) => ({
    from: 'a@example.com',
    to: `r${i}@example.com`,
    subject: `burst ${i}`,
    // Read by the composer exactly when it composes this message.
    get text() {
      composed += 1;
      return `body ${i}`;
    },
  });
  return { message, composedAtFirstDelivery: () => atFirstDelivery };
}

describe('a burst of sends', () => {
  it('composes only a bounded number of messages ahead of the pool, and close() drains the rest', async () => {
    const { server, messages } = await sink({ onMessage: () => undefined });
    const t = createTransport({ host: '127.0.0.1', port: server.port, security: 'none', pool: { maxConnections: 1, pipelineDepth: 2 } });
    const { message, composedAtFirstDelivery } = compositionCounter(t);
    const sends = Array.from({ length: 100 }, (_, i) => t.send(message(i)));
    const closing = t.close();
    const results = await Promise.all(sends);
    await closing;
    expect(results).toHaveLength(100);
    expect(messages).toHaveLength(100);
    // 1 connection x depth 2 x 2 = 4 may be composed ahead; the other 96 wait without being composed.
    expect(composedAtFirstDelivery()).toBeGreaterThan(0);
    expect(composedAtFirstDelivery()).toBeLessThanOrEqual(4);
  });
});

describe('a burst of sends with failover', () => {
  it('composes ahead for the largest pool of the list, not just the primary', async () => {
    const { server, messages } = await sink({ onMessage: () => undefined });
    const { server: fallback } = await sink();
    // A fallback server with a bigger pool than the primary's.
    const t = createTransport([
      { host: '127.0.0.1', port: server.port, security: 'none', pool: { maxConnections: 1, pipelineDepth: 1 } },
      { host: '127.0.0.1', port: fallback.port, security: 'none', pool: { maxConnections: 4, pipelineDepth: 2 } },
    ]);
    const { message, composedAtFirstDelivery } = compositionCounter(t);
    const sends = Array.from({ length: 40 }, (_, i) => t.send(message(i)));
    await Promise.all(sends);
    await t.close();
    expect(messages).toHaveLength(40);
    // max(1 x 1, 4 x 2) x 2 = 16 are let in at once, and all of them are composed before the first reply.
    expect(composedAtFirstDelivery()).toBe(16);
  });
});

describe('send() argument edge cases', () => {
  it('takes null options as none (send and sendRaw), and close() still waits for the sends and then resolves', async () => {
    const { server, messages } = await sink();
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const sending = t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' }, null as never);
    expect(sending).toBeInstanceOf(Promise);
    const info = await sending;
    expect(info.accepted).toEqual(['b@example.com']);
    const raw = await t.sendRaw({ from: 'a@example.com', to: ['c@example.com'] }, 'Subject: raw\r\n\r\nbody\r\n', null as never);
    expect(raw.accepted).toEqual(['c@example.com']);
    await t.close();
    expect(messages).toHaveLength(2);
  });

  it('refuses a signal that is not an AbortSignal (ECONFIG) before queueing it, with the queue full, and the transport keeps working', async () => {
    const { server, messages } = await sink();
    // One connection, no pipelining: two composed sends fill the admission queue, so the third would queue.
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none', pool: { maxConnections: 1, pipelineDepth: 1 } });
    const message = { from: 'a@example.com', to: 'b@example.com', text: 'x' };
    const first = [t.send(message), t.send(message)];
    const bogus = { aborted: false } as unknown as AbortSignal;
    await expect(t.send(message, { signal: bogus })).rejects.toMatchObject({ code: 'ECONFIG' });
    await expect(t.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, 'Subject: x\r\n\r\nx\r\n', { signal: bogus })).rejects.toMatchObject({
      code: 'ECONFIG',
    });
    // The sends around it are delivered and report success, and close() drains and resolves.
    expect((await Promise.all([...first, t.send(message)])).map((info) => info.accepted)).toEqual([['b@example.com'], ['b@example.com'], ['b@example.com']]);
    await t.close();
    expect(messages).toHaveLength(3);
  });
});
