/**
 * A private temporary file for a message that can be read only once (a caller's stream): it is written
 * while the body is hashed, then read back behind the signature. mkdtemp makes a directory only this user
 * can enter (0700) and the file is created 0600 with O_EXCL, so no other local user can read the message
 * or swap the file.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface Spool {
  readonly path: string;
  /** Bytes written so far. */
  readonly size: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the file for writing (reading it back is still possible). */
  close(): Promise<void>;
  /** Removes the file and its directory; safe to call more than once. */
  remove(): Promise<void>;
}

export async function createSpool(): Promise<Spool> {
  const dir = await mkdtemp(join(tmpdir(), 'mailwire-dkim-'));
  const path = join(dir, 'message.eml');
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let size = 0;
  let closed = false;
  let removed: Promise<void> | undefined;
  const file = handle;
  return {
    path,
    get size() {
      return size;
    },
    async write(chunk) {
      let at = 0;
      while (at < chunk.length) at += (await file.write(chunk, at, chunk.length - at)).bytesWritten;
      size += chunk.length;
    },
    async close() {
      if (closed) return;
      closed = true;
      await file.close();
    },
    remove() {
      removed ??= (async () => {
        if (!closed) {
          closed = true;
          await file.close().catch(() => undefined);
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return removed;
    },
  };
}

/** `head` and then the spooled file, as one stream; opened afresh on each call. */
export function readWithHead(head: Buffer, path: string): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) yield chunk as Buffer;
  }
  return Readable.from(bytes(), { objectMode: false });
}
