/**
 * The bench's message pump against mailwire's own sink (an independent reader of the wire: it unstuffs
 * DATA, counts BDAT bytes and refuses what breaks the protocol): every requested message arrives exactly
 * once, byte for byte what the payload holds, over each exchange (PIPELINING with DATA, with BDAT, one
 * command at a time) and after STARTTLS + AUTH done by the client before the pump takes the socket.
 */
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it } from 'vitest';
import { runBench, type BenchOptions } from '../../src/bench-engine/index.js';
import { startSink, TEST_CERTIFICATE, type SinkOptions, type SinkServer, type SunkMessage } from '../../src/sink/index.js';

let sink: SinkServer | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

async function capture(options: SinkOptions): Promise<{ sink: SinkServer; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  const server = await startSink({ ...options, onMessage: (m) => void messages.push(m) });
  sink = server;
  return { sink: server, messages };
}

function options(port: number, extra: Partial<BenchOptions> = {}): BenchOptions {
  return {
    target: { host: '127.0.0.1', port, security: 'none', timeoutMs: 10_000 },
    connections: 3,
    messages: 150,
    size: 2048,
    recipients: 2,
    pipelining: true,
    workers: 1,
    from: 'bench@mailwire.test',
    recipientDomain: 'example.test',
    engine: 'pump',
    ...extra,
  };
}

/** Each message's number from its Subject; the bytes with both copies of the number zeroed must all be equal. */
async function checkDelivered(messages: SunkMessage[], count: number, size: number): Promise<void> {
  expect(messages).toHaveLength(count);
  const numbers: number[] = [];
  let shape: string | undefined;
  for (const m of messages) {
    const raw = m.raw as Buffer;
    expect(raw.byteLength).toBe(size);
    const text = raw.toString('latin1');
    expect(text).not.toMatch(/\r(?!\n)|(?<!\r)\n/); // CRLF only
    const parsed = await PostalMime.parse(raw);
    const subject = /^mailwire bench (\d{12})$/.exec(parsed.subject ?? '');
    expect(subject).not.toBeNull();
    const digits = subject?.[1] ?? '';
    numbers.push(Number(digits));
    expect(parsed.messageId).toContain(digits);
    const zeroed = text.split(digits).join('0'.repeat(12));
    shape ??= zeroed;
    expect(zeroed).toBe(shape);
    expect(m.to).toEqual(['rcpt1@example.test', 'rcpt2@example.test']);
  }
  // Every number once: nothing sent twice, nothing lost.
  expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
}

describe('message pump against the sink', () => {
  it.each([
    ['PIPELINING + DATA', { chunking: false }, true, 'DATA'],
    ['PIPELINING + BDAT', { chunking: true }, true, 'BDAT'],
    ['one command at a time (--no-pipelining), DATA', { chunking: false }, false, 'DATA'],
    ['a server without PIPELINING, BDAT', { chunking: true, pipelining: false }, true, 'BDAT'],
  ] as const)('%s: every message exactly once, byte for byte', async (_name, sinkOptions, pipelining, transport) => {
    const { sink: server, messages } = await capture(sinkOptions);
    const result = await runBench(options(server.port, { pipelining }));
    expect(result.messages).toEqual({ requested: 150, attempted: 150, sent: 150, failed: 0, notAttempted: 0 });
    expect(result.errors).toEqual({});
    expect(result.sessionsOpened).toBe(3);
    expect(result.engine).toBe('pump');
    expect(result.bytes).toBe(150 * 2048);
    await checkDelivered(messages, 150, 2048);
    expect(new Set(messages.map((m) => m.transport))).toEqual(new Set([transport]));
  });

  it('STARTTLS (verified) + AUTH by the client, then the pump on the TLS socket', async () => {
    const { sink: server, messages } = await capture({ tls: true, requireTls: true, auth: { user: 'bench', pass: 'pump-pw' } });
    const opts = options(server.port, { messages: 60, connections: 2 });
    opts.target = { ...opts.target, security: 'starttls', tls: { ca: TEST_CERTIFICATE, servername: 'localhost' }, auth: { user: 'bench', pass: 'pump-pw' } };
    const result = await runBench(opts);
    expect(result.messages).toMatchObject({ sent: 60, failed: 0 });
    expect(result.connectionErrors).toEqual({});
    await checkDelivered(messages, 60, 2048);
    expect(messages.every((m) => m.secure && m.authUser === 'bench')).toBe(true);
  });

  it('refused recipients are counted per message, the sessions go on (partial refusal still delivers)', async () => {
    let n = 0;
    const { sink: server, messages } = await capture({ chunking: false, refuseRecipients: (address) => address.startsWith('rcpt1') && ++n % 3 === 0 });
    const result = await runBench(options(server.port, { recipients: 1, messages: 90 }));
    expect(result.messages).toMatchObject({ attempted: 90, sent: 60, failed: 30 });
    expect(result.errors).toEqual({ EENVELOPE: 30 });
    expect(result.sessionsOpened).toBe(3);
    expect(messages).toHaveLength(60);
  });

  it("a message over the server's SIZE fails ESIZE before a byte of it is written, as send() does", async () => {
    const { sink: server, messages } = await capture({ maxMessageBytes: 1000 });
    const result = await runBench(options(server.port, { messages: 20, connections: 1 }));
    expect(result.messages).toMatchObject({ attempted: 20, sent: 0, failed: 20 });
    expect(result.errors).toEqual({ ESIZE: 20 });
    expect(result.errorMessages.ESIZE).toContain('accepts at most 1000');
    expect(messages).toHaveLength(0);
    expect(server.stats.messages).toBe(0);
  });

  it('a payload whose content cannot end in CRLF by itself gets one (size one byte over the header)', async () => {
    const { sink: server, messages } = await capture({ chunking: false });
    // Find the header size first: a tiny message is the header alone.
    const probe = await runBench(options(server.port, { messages: 1, connections: 1, size: 1, recipients: 1 }));
    expect(probe.messages.sent).toBe(1);
    const header = (messages[0]?.raw as Buffer).byteLength;
    messages.length = 0;
    const result = await runBench(options(server.port, { messages: 4, connections: 1, size: header + 1, recipients: 1 }));
    expect(result.messages).toMatchObject({ sent: 4, failed: 0 });
    for (const m of messages) expect((m.raw as Buffer).toString('latin1').endsWith('\r\n\r\na\r\n')).toBe(true);
  });
});
