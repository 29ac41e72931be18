/**
 * Memory stays flat with DKIM: a 25 MB attachment from a caller's stream is hashed while it is spooled to
 * disk, then sent from the file, so the process holds chunks, not the message. Measured beside the same
 * send without DKIM; the sink discards what it receives.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { startSink } from '../../src/sink/index.js';
import { createTransport } from '../../src/transport/transport.js';
import type { DkimOptions } from '../../src/dkim/options.js';
import { MB, watchMemory } from '../helpers/memory.js';
import { ed25519Key, rsaKey } from './keys.js';

const dual: DkimOptions[] = [
  { domain: 'example.com', selector: 'rsa', privateKey: rsaKey().pem },
  { domain: 'example.com', selector: 'ed', privateKey: ed25519Key().privateKey },
];
const SIZE = 25 * MB;
const dir = mkdtempSync(join(tmpdir(), 'mw-dkim-mem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function source(): Readable {
  let left = SIZE;
  return new Readable({
    read() {
      const n = Math.min(left, 64 * 1024);
      left -= n;
      this.push(n === 0 ? null : Buffer.alloc(n, left % 251));
    },
  });
}

async function peakOf(dkim: DkimOptions[] | undefined, attachment: () => { content: Readable } | { path: string }): Promise<number> {
  const sink = await startSink({ discard: true, maxMessageBytes: 64 * MB });
  const transport = createTransport({ host: '127.0.0.1', port: sink.port, security: 'none', guards: { maxMessageBytes: 64 * MB }, ...(dkim ? { dkim } : {}) });
  try {
    const watch = watchMemory();
    await transport.send({ from: 'a@example.com', to: 'b@example.net', text: 'x', attachments: [{ filename: 'big.bin', ...attachment() }] });
    return watch.stop();
  } finally {
    await transport.close();
    await sink.close();
  }
}

describe('memory with DKIM', () => {
  it('a 25 MB stream attachment, spooled and signed: under 50 MB over the baseline, like without DKIM', async () => {
    const without = await peakOf(undefined, () => ({ content: source() }));
    const withDkim = await peakOf(dual, () => ({ content: source() }));
    console.log(`25 MB stream attachment: peak over baseline ${(without / MB).toFixed(1)} MB without DKIM, ${(withDkim / MB).toFixed(1)} MB with RSA + Ed25519`);
    expect(withDkim).toBeLessThan(50 * MB);
  }, 60_000);

  it('a 25 MB file attachment, read twice: under 50 MB over the baseline', async () => {
    const file = join(dir, 'big.bin');
    writeFileSync(file, Buffer.alloc(SIZE, 7));
    const withDkim = await peakOf(dual, () => ({ path: file }));
    console.log(`25 MB file attachment with DKIM: peak over baseline ${(withDkim / MB).toFixed(1)} MB`);
    expect(withDkim).toBeLessThan(50 * MB);
  }, 60_000);
});
