import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { prepareMessage } from '../../src/mime/index.js';
import { bytes, expectWellFormed, parse } from './helpers.js';

const MB = 1024 * 1024;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailwire-mime-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deterministic pseudo-random bytes, so the file is not trivially compressible or repetitive. */
function block(seed: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

describe('file attachments', () => {
  it('streams a file, announces its size from stat, and round-trips the bytes', async () => {
    const path = join(dir, 'small.bin');
    const data = block(7, 300_001);
    await writeFile(path, data);
    const prepared = await prepareMessage({ from: 'a@x.com', to: 'b@x.com', text: 'see attached', attachments: [{ path }] });
    expect(prepared.replayable).toBe(true);
    const raw = await prepared.toBuffer();
    expectWellFormed(raw);
    expect(prepared.size).toBe(raw.length);
    const again = await prepared.toBuffer();
    expect(again.equals(raw)).toBe(true);
    const att = (await parse(raw)).attachments[0]!;
    expect(att.mimeType).toBe('application/octet-stream');
    expect(bytes(att.content).equals(data)).toBe(true); // Buffer.equals: toEqual is slow on 300 KB
  });

  it('fails the stream if the file changed size after prepare', async () => {
    const path = join(dir, 'changing.txt');
    await writeFile(path, 'short');
    const prepared = await prepareMessage({ from: 'a@x.com', to: 'b@x.com', attachments: [{ path }] });
    await writeFile(path, 'much longer now');
    await expect(prepared.toBuffer()).rejects.toThrow(/changed size/);
  });

  it('composes a 25 MB file attachment with memory well under the file size', async () => {
    const size = 25 * MB;
    const path = join(dir, 'big.bin');
    const fh = await open(path, 'w');
    const chunk = block(11, MB);
    for (let i = 0; i < size / MB; i++) {
      chunk[0] = i; // vary the blocks a little
      await fh.write(chunk);
    }
    await fh.close();

    const prepare = (p: string) =>
      prepareMessage(
        { from: 'a@x.com', to: 'b@x.com', text: 'big one', attachments: [{ path: p, filename: 'big.bin' }] },
        { limits: { maxMessageBytes: 64 * MB } },
      );
    // Warm-up with a 4 MB file: lets V8 size its young generation once, so what we measure next is
    // what depends on the attachment, not one-time heap growth.
    const warm = join(dir, 'warm.bin');
    await writeFile(warm, block(3, 4 * MB));
    await pipeline((await prepare(warm)).open(), new Writable({ write: (_c, _e, done) => setImmediate(done) }));

    const prepared = await prepare(path);
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakBuffers = base.arrayBuffers;
    const sample = (): void => {
      const m = process.memoryUsage();
      if (m.rss > peakRss) peakRss = m.rss;
      if (m.arrayBuffers > peakBuffers) peakBuffers = m.arrayBuffers;
    };
    const timer = setInterval(sample, 5);
    let written = 0;
    const hash = createHash('sha256');
    let chunks = 0;
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(c: Buffer, _enc, done) {
        written += c.length;
        if (++chunks % 16 === 0) sample();
        hash.update(c);
        setImmediate(done); // a consumer slower than the producer: backpressure must hold memory down
      },
    });
    await pipeline(prepared.open(), sink);
    clearInterval(timer);
    sample();

    expect(written).toBe(prepared.size);
    expect(written).toBeGreaterThan((size * 4) / 3);
    const rssGrowth = (peakRss - base.rss) / MB;
    const bufferGrowth = (peakBuffers - base.arrayBuffers) / MB;
    console.log(`25 MB attachment: rss +${rssGrowth.toFixed(1)} MB, arrayBuffers +${bufferGrowth.toFixed(1)} MB`);
    // The encoded output is ~34 MB; holding the file or the output would blow well past these.
    expect(bufferGrowth).toBeLessThan(25);
    expect(rssGrowth).toBeLessThan(25);
    // And the stream is deterministic: a second open gives the same bytes.
    const hash2 = createHash('sha256');
    await pipeline(prepared.open(), new Writable({ write(c: Buffer, _e, done) { hash2.update(c); done(); } }));
    expect(hash2.digest('hex')).toBe(hash.digest('hex'));
  });
});
