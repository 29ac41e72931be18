/**
 * How fast the sink takes messages, so we know it is not the bottleneck of `mailwire bench`.
 * Prints numbers; asserts only that every message arrived (timings vary too much across machines).
 */

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startSink, type SinkServer } from '../../src/sink/index.js';
import { RawClient } from './raw-client.js';

const SIZE = 2048;
const BODY = (() => {
  const line = `${'x'.repeat(76)}\r\n`;
  const head = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: bench\r\n\r\n';
  // Ends with CRLF so that DATA can append ".\r\n" directly.
  return `${head}${line.repeat(Math.ceil(SIZE / line.length)).slice(0, SIZE - head.length - 2)}\r\n`;
})();

let sink: SinkServer | undefined;

afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

function report(label: string, messages: number, ms: number): void {
  console.log(`[sink throughput] ${label}: ${messages} x ${SIZE} B in ${ms.toFixed(0)} ms = ${Math.round((messages / ms) * 1000)} msg/s`);
}

describe('sink throughput (printed, not asserted)', () => {
  it('nodemailer pool of 5 -> discard sink', async () => {
    sink = await startSink({ discard: true });
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 5,
      maxMessages: Infinity,
    });
    const send = (): Promise<unknown> => t.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw: BODY });
    await Promise.all(Array.from({ length: 50 }, send)); // warm-up: connections and JIT
    const n = 1500;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, send));
    report('nodemailer pool(5)', n, performance.now() - t0);
    t.close();
    expect(sink.stats.messages).toBe(n + 50);
  });

  for (const [label, batches] of [['discard', 40], ['dir', 8]] as const) {
    it(`raw pipelined BDAT over 5 connections -> ${label} sink (the sink alone)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mailwire-sink-bench-'));
      sink = await startSink(label === 'discard' ? { discard: true } : { dir });
      const port = sink.port;
      const perBatch = 50;
      const tx = `MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nBDAT ${BODY.length} LAST\r\n${BODY}`;
      const batch = tx.repeat(perBatch);
      const clients = await Promise.all(Array.from({ length: 5 }, () => RawClient.open(port)));
      await Promise.all(clients.map(async (c) => [await c.reply(), await c.cmd('EHLO bench')]));
      const t0 = performance.now();
      await Promise.all(
        clients.map(async (c) => {
          for (let i = 0; i < batches; i++) {
            c.write(batch);
            const replies = await c.replies(perBatch * 3);
            if (replies.some((r) => r.code !== 250)) throw new Error(`unexpected reply ${JSON.stringify(replies.find((r) => r.code !== 250))}`);
          }
        }),
      );
      const n = clients.length * perBatch * batches;
      report(`raw BDAT pipelined x5, ${label}`, n, performance.now() - t0);
      for (const c of clients) c.close();
      expect(sink.stats.messages).toBe(n);
      if (label === 'dir') expect(readdirSync(dir)).toHaveLength(n);
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    });
  }

  it('raw DATA, one message per round trip pair, 5 connections -> discard sink', async () => {
    sink = await startSink({ discard: true });
    const port = sink.port;
    const perClient = 400;
    const clients = await Promise.all(Array.from({ length: 5 }, () => RawClient.open(port)));
    await Promise.all(clients.map(async (c) => [await c.reply(), await c.cmd('EHLO bench')]));
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < perClient; i++) {
          c.write('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
          await c.replies(3);
          c.write(`${BODY}.\r\n`);
          await c.reply();
        }
      }),
    );
    const n = clients.length * perClient;
    report('raw DATA x5', n, performance.now() - t0);
    for (const c of clients) c.close();
    expect(sink.stats.messages).toBe(n);
  });
});
