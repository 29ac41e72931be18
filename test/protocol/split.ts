/** Test helper: feed the same bytes to a stateful consumer in every possible way. */

export const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Every way to cut `bytes` into two chunks, plus one byte at a time. */
export function* chunkings(bytes: Uint8Array): Generator<{ name: string; chunks: Uint8Array[] }> {
  for (let cut = 0; cut <= bytes.length; cut++) {
    yield { name: `split at ${cut}`, chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] };
  }
  const single: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  yield { name: 'byte by byte', chunks: single };
}

/** Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** Cuts `bytes` at the given points (taken modulo its length, de-duplicated, in order): for fast-check. */
export function cutAt<T extends Uint8Array>(bytes: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: T[] = [];
  let prev = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(prev, p) as T);
    prev = p;
  }
  chunks.push(bytes.subarray(prev) as T);
  return chunks;
}
