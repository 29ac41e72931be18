import { drive, type HandshakeStep, type ProxyHandshake } from '../../src/proxy/index.js';

export interface Run {
  /** Everything the client sent, start() first. */
  sent: number[];
  final: HandshakeStep | undefined;
  /** For 'done': the leftover plus every chunk after the one that finished the handshake (the tunnel's bytes). */
  tunnel: Buffer;
}

/** Drives a handshake over chunks as the connector does: stops pushing at 'done' or 'failed'. */
export function run(h: ProxyHandshake, chunks: Uint8Array[]): Run {
  const sent = [...h.start()];
  let final: HandshakeStep | undefined;
  const tunnel: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (final && final.state !== 'continue') {
      tunnel.push(chunk);
      continue;
    }
    const { send, step } = drive(h, chunk);
    for (const s of send) sent.push(...s);
    final = step;
    if (step.state === 'done') tunnel.push(step.leftover);
  }
  return { sent, final, tunnel: Buffer.concat(tunnel) };
}

/** The input cut into two chunks at `at` (one chunk when at is 0 or the end). */
export function splitAt(input: Uint8Array, at: number): Uint8Array[] {
  return [input.subarray(0, at), input.subarray(at)].filter((c) => c.byteLength > 0);
}

/** The input cut at every pair of points i < j: three chunks (empty ones dropped). */
export function* everySplit(input: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 0; i <= input.byteLength; i += 1) {
    for (let j = i; j <= input.byteLength; j += 1) {
      yield [input.subarray(0, i), input.subarray(i, j), input.subarray(j)].filter((c) => c.byteLength > 0);
    }
  }
}
