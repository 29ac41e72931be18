/**
 * The whole-message guard is a guard against runaway input (64 MiB by default); the server's SIZE decides the
 * rest (issue 14). A 12 MB attachment goes to a server that advertises SIZE 20971520; a message over the
 * server's SIZE is ESIZE before MAIL, not EGUARD.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type SmtpTransport } from '../../src/index.js';
import { startSink, type SinkServer, type SunkMessage } from '../../src/sink/index.js';
import { rejection as failure } from '../helpers/expect-error.js';

const MB = 1_000_000;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function sizedSink(size: number): Promise<{ server: SinkServer; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  const server = await startSink({ maxMessageBytes: size, onMessage: (m) => messages.push(m) });
  cleanups.push(() => server.close());
  return { server, messages };
}

function transport(port: number, lines: string[]): SmtpTransport {
  const t = createTransport({ host: '127.0.0.1', port, security: 'none', onTranscript: (e) => void lines.push(`${e.dir} ${e.line}`) });
  cleanups.push(() => t.close());
  return t;
}

describe('message size defaults', () => {
  it('a 12 MB attachment goes to a server advertising SIZE 20971520', async () => {
    const { server, messages } = await sizedSink(20_971_520);
    const lines: string[] = [];
    const info = await transport(server.port, lines).send({
      from: 'a@example.com',
      to: 'b@example.com',
      text: 'see attached',
      attachments: [{ filename: 'big.bin', content: Buffer.alloc(12 * MB, 0x5a) }],
    });
    expect(info.messageBytes).toBeGreaterThan(16 * MB); // base64
    expect(messages).toHaveLength(1);
  });

  it('a message over the server SIZE is ESIZE before MAIL, nothing sent, not retried', async () => {
    const { server, messages } = await sizedSink(5 * MB);
    const lines: string[] = [];
    const error = await failure(
      transport(server.port, lines).send({ from: 'a@example.com', to: 'b@example.com', attachments: [{ filename: 'big.bin', content: Buffer.alloc(12 * MB) }] }),
    );
    expect(error.code).toBe('ESIZE');
    expect(error.delivery).toBe('none');
    expect(lines.filter((l) => l.startsWith('C MAIL'))).toEqual([]);
    expect(messages).toHaveLength(0);
  });

  it('the whole-message guard is 64 MiB, text/html bodies stay capped at 10 MiB each', async () => {
    const t = createTransport({ host: '127.0.0.1', port: 2525, security: 'none' });
    cleanups.push(() => t.close());
    expect(t.configs[0]?.guards.maxMessageBytes).toBe(64 * 1024 * 1024);
    expect(t.configs[0]?.guards.maxBodyBytes).toBe(10 * 1024 * 1024);
    const error = await failure(t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x'.repeat(10 * 1024 * 1024 + 1) }));
    expect(error.code).toBe('EGUARD');
    expect(error.message).toMatch(/^text: larger than/);
  });
});
