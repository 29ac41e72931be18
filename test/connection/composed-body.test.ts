/**
 * A composed message handed over by the transport is CRLF-only by construction and is marked so: the
 * session takes its bytes as they are instead of scanning them again for line ends. Bytes from anywhere
 * else (sendRaw, a caller's Buffer, composeToBuffer's result) are still normalised.
 */
import { describe, expect, it } from 'vitest';
import { describeBody } from '../../src/connection/body-source.js';
import { composeToBuffer, messageBytesNow, prepareMessageNow, type PreparedMessage } from '../../src/mime/compose.js';
import { allocCrlfOnly, isMarkedCrlfOnly } from '../../src/protocol/crlf-bytes.js';

function marked(text: string): Buffer {
  const out = allocCrlfOnly(text.length);
  out.write(text, 'latin1');
  return out;
}

const message = { from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'one\ntwo\r\nthree\n' };

describe('composed bodies are not rescanned for line ends', () => {
  it('takes marked bytes as they are (a bare LF in them is left alone: proof that no scan ran)', () => {
    const bytes = marked('a\nb\r\n');
    const info = describeBody(bytes);
    expect(info.bytes).toBe(bytes);
    expect(Buffer.from(info.bytes as Uint8Array).toString('latin1')).toBe('a\nb\r\n');
  });

  it('still normalises unmarked bytes and strings (sendRaw input), also a copy of marked bytes', () => {
    expect(Buffer.from(describeBody(Buffer.from(marked('a\nb\r\n'))).bytes as Uint8Array).toString('latin1')).toBe('a\r\nb\r\n');
    const big = marked(`${'x\n'.repeat(10_000)}\r\n`);
    expect(isMarkedCrlfOnly(big)).toBe(true);
    expect(Buffer.from(describeBody(Buffer.from('a\nb', 'latin1')).bytes as Uint8Array).toString('latin1')).toBe('a\r\nb\r\n');
    expect(Buffer.from(describeBody('a\rb\n').bytes as Uint8Array).toString('latin1')).toBe('a\r\nb\r\n');
  });

  it("marks the composer's hand-over, whose bytes are CRLF-only and end with CRLF, and the same bytes describeBody would make", async () => {
    const prepared = prepareMessageNow(message) as PreparedMessage;
    const bytes = messageBytesNow(prepared) as Buffer;
    expect(isMarkedCrlfOnly(bytes)).toBe(true);
    expect(bytes.subarray(-2).toString('latin1')).toBe('\r\n');
    expect(/\r(?!\n)|(?<!\r)\n/.test(bytes.toString('latin1'))).toBe(false);
    const normalised = describeBody(Buffer.from(bytes)).bytes as Uint8Array;
    expect(Buffer.compare(normalised, bytes)).toBe(0);
  });

  it('does not mark what a caller keeps (composeToBuffer), so it is normalised if changed and sent raw', async () => {
    const kept = await composeToBuffer(message);
    expect(isMarkedCrlfOnly(kept)).toBe(false);
  });
});
