/** Message files: partial files removed when a message is abandoned, and 451 when saving fails. */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSink, type SinkOptions, type SinkServer, type SunkMessage } from '../../src/sink/index.js';
import { RawClient, codes } from './raw-client.js';

let sink: SinkServer | undefined;
let dir: string;
let client: RawClient | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwire-sink-'));
});

afterEach(async () => {
  client?.close();
  await sink?.close();
  sink = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function setup(options: SinkOptions = {}): Promise<{ c: RawClient; messages: SunkMessage[] }> {
  const messages: SunkMessage[] = [];
  sink = await startSink({ dir, onMessage: (m) => messages.push(m), ...options });
  client = await RawClient.open(sink.port);
  await client.reply();
  client.write('EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\n');
  expect(codes(await client.replies(3))).toEqual([250, 250, 250]);
  return { c: client, messages };
}

const big = `${'z'.repeat(78)}\r\n`.repeat(8000); // 640 KB: larger than what is held in memory

describe('sink message files', () => {
  it('creates the directory and pipelines answers behind a file being written', async () => {
    const nested = join(dir, 'a', 'b');
    const messages: SunkMessage[] = [];
    sink = await startSink({ dir: nested, onMessage: (m) => messages.push(m) });
    client = await RawClient.open(sink.port);
    await client.reply();
    const tx = 'MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT 5 LAST\r\nhello';
    client.write(`EHLO x\r\n${tx}${tx}NOOP\r\nQUIT\r\n`);
    expect(codes(await client.replies(9))).toEqual([250, 250, 250, 250, 250, 250, 250, 250, 221]);
    expect(readdirSync(nested)).toHaveLength(2);
    expect(messages.map((m) => readFileSync(m.path as string, 'latin1'))).toEqual(['hello', 'hello']);
  });

  it('deletes the partial file when the client disconnects in the middle of DATA', async () => {
    const { c } = await setup();
    c.write('DATA\r\n');
    expect((await c.reply()).code).toBe(354);
    c.write(big);
    c.write(big); // past the memory threshold: a file exists now
    await new Promise<void>((resolve) => c.socket.write('', () => resolve()));
    c.close();
    await (sink as SinkServer).close();
    expect(readdirSync(dir)).toEqual([]);
    expect(sink?.stats.messages).toBe(0);
  });

  it('deletes the partial file on RSET after BDAT chunks', async () => {
    const { c } = await setup();
    const size = Buffer.byteLength(big);
    c.write(`BDAT ${size}\r\n${big}BDAT ${size}\r\n${big}`);
    expect(codes(await c.replies(2))).toEqual([250, 250]);
    expect((await c.cmd('RSET')).code).toBe(250);
    await (sink as SinkServer).close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('answers 451 and keeps no file when onMessage throws', async () => {
    const { c } = await setup({
      onMessage: () => {
        throw new Error('test says no');
      },
    });
    c.write('BDAT 1 LAST\r\nx');
    expect((await c.reply()).lines).toEqual(['451 4.3.0 Local error in processing']);
    await (sink as SinkServer).close(); // waits for the file removal
    expect(readdirSync(dir)).toEqual([]);
    expect(sink?.stats).toMatchObject({ messages: 0, rejected: 1 });
  });

  it('answers 451 when the file cannot be written, small or streamed', async () => {
    const { c } = await setup();
    rmSync(dir, { recursive: true, force: true });
    c.write('BDAT 1 LAST\r\nx');
    expect((await c.reply()).lines).toEqual(['451 4.3.0 Local error in processing']);
    c.write(`MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n`);
    expect(codes(await c.replies(3))).toEqual([250, 250, 354]);
    c.write(`${big}${big}.\r\nNOOP\r\n`);
    expect((await c.replies(2)).map((r) => r.lines[0])).toEqual(['451 4.3.0 Local error in processing', '250 2.0.0 OK']);
    expect(existsSync(dir)).toBe(false);
    expect(sink?.stats).toMatchObject({ messages: 0, rejected: 2 });
  });
});
