import { expect } from 'vitest';
import PostalMime from 'postal-mime';
import type { Email } from 'postal-mime';

/** Every line ends in CRLF, no bare CR or LF, no line over 998 octets (RFC 5322 2.1.1 / RFC 5321 4.5.3.1.6). */
export function expectWellFormed(raw: Buffer): void {
  expect(raw.length).toBeGreaterThan(0);
  expect(raw.subarray(-2).toString('latin1')).toBe('\r\n');
  // Plain checks in the loop (an expect() per line is slow on big messages); report the first problem.
  let lineStart = 0;
  let problem = '';
  for (let i = 0; i < raw.length && problem === ''; i++) {
    const b = raw[i];
    if (b === 13) {
      if (raw[i + 1] !== 10) problem = `bare CR at ${i}`;
      else if (i - lineStart > 998) problem = `line at ${lineStart} is ${i - lineStart} octets`;
      i++;
      lineStart = i + 1;
    } else if (b === 10) {
      problem = `bare LF at ${i}`;
    }
  }
  expect(problem).toBe('');
}

/** The header section, unfolded, as [lowercased name, value] pairs. */
export function headerPairs(raw: Buffer): Array<[string, string]> {
  const text = raw.toString('utf8');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head
    .replace(/\r\n[ \t]/g, ' ')
    .split('\r\n')
    .map((line) => {
      const i = line.indexOf(':');
      return [line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()] as [string, string];
    });
}

export async function parse(raw: Buffer): Promise<Email> {
  return PostalMime.parse(raw);
}

/** Text as a reader sees it: LF line ends (postal-mime also appends one LF to 7bit/QP bodies). */
export function expectSameText(parsed: string | undefined, input: string): void {
  const got = (parsed ?? '').replace(/\r\n/g, '\n');
  const want = input.replace(/\r\n|\r/g, '\n');
  expect([want, `${want}\n`]).toContain(got);
}

export function bytes(content: ArrayBuffer | Uint8Array | string): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return Buffer.from(content instanceof Uint8Array ? content : new Uint8Array(content));
}
