/**
 * LineLimits: checks message content against RFC 5321 as it streams. Pure: bytes in, a verdict out.
 *
 *  - No NUL: RFC 5321 2.3.8 / 4.1.1.4 (content is US-ASCII or 8BITMIME text; NUL is neither), and many servers
 *    truncate or reject at a NUL, so what arrives would differ from what was sent.
 *  - No line longer than 998 octets before its CRLF (RFC 5321 4.5.3.1.6: 1000 with the CRLF). A server may
 *    wrap or cut a longer line, changing the message (and breaking a DKIM signature) without saying so.
 *
 * CR and LF each end a line here, the same rule the dot-stuffer applies when it turns them into CRLF; state
 * carries across chunks, so a line split over two chunks is measured whole.
 */

export const MAX_LINE_OCTETS = 998;

const CR = 0x0d;
const LF = 0x0a;

export type LineProblem = { kind: 'nul'; offset: number } | { kind: 'long'; offset: number };

export class LineLimits {
  #lineLength = 0;
  #offset = 0;

  /** The first problem in this chunk (offsets count from the start of the content), or undefined. */
  push(chunk: Uint8Array): LineProblem | undefined {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const base = this.#offset;
    this.#offset += buf.length;
    const nul = buf.indexOf(0);
    // Native searches, each line end found once: the next CR and the next LF are remembered and searched
    // again only once passed, and a CRLF ends one line, not two. (Searching for both afresh on every line
    // cost four native calls per line, and a search for a character that never comes, a CR in LF-only
    // text, ran to the end of the chunk every time: quadratic in the number of lines.)
    const n = buf.length;
    let length = this.#lineLength;
    let at = 0;
    let nextCR = buf.indexOf(CR);
    let nextLF = buf.indexOf(LF);
    while (at < n) {
      if (nextCR !== -1 && nextCR < at) nextCR = buf.indexOf(CR, at);
      if (nextLF !== -1 && nextLF < at) nextLF = buf.indexOf(LF, at);
      const end = nextCR === -1 ? nextLF : nextLF === -1 ? nextCR : Math.min(nextCR, nextLF);
      const stop = end === -1 ? n : end;
      if (length + (stop - at) > MAX_LINE_OCTETS) {
        // The line's 999th octet is the first one too many.
        const first = at + (MAX_LINE_OCTETS - length);
        if (nul !== -1 && nul < first) return { kind: 'nul', offset: base + nul };
        return { kind: 'long', offset: base + first };
      }
      if (end === -1) {
        length += stop - at;
        break;
      }
      length = 0;
      at = end === nextCR && nextLF === end + 1 ? end + 2 : end + 1;
    }
    this.#lineLength = length;
    if (nul !== -1) return { kind: 'nul', offset: base + nul };
    return undefined;
  }
}

export function describeLineProblem(problem: LineProblem): string {
  return problem.kind === 'nul'
    ? `the message contains a NUL byte (at byte ${problem.offset}), which SMTP does not carry`
    : `the message has a line longer than ${MAX_LINE_OCTETS} octets (at byte ${problem.offset}; RFC 5321 4.5.3.1.6): wrap it or use a transfer encoding`;
}
