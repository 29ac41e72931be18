/**
 * Builds a block of header lines: structured values are folded as they are; free text is written plain
 * when that is safe and as RFC 2047 encoded-words otherwise. Every line ends in CRLF.
 */

import { SmtpError } from '../errors.js';
import { encodeWords, isPlainHeaderText } from './encoded-word.js';
import { SOFT_LINE, foldHeader } from './folding.js';

export class HeaderBlock {
  #lines: string[] = [];
  readonly #hard: number;

  constructor(hardLimit = 998) {
    this.#hard = hardLimit;
  }

  /** A structured value (addresses, ids, content types) that is already in wire syntax. */
  structured(name: string, value: string): this {
    this.#lines.push(foldHeader(name, value, this.#hard));
    return this;
  }

  /** Free text (Subject, custom headers): plain when possible, encoded-words otherwise. */
  text(name: string, value: string): this {
    if (isPlainHeaderText(value)) {
      try {
        this.#lines.push(foldHeader(name, value, this.#hard));
        return this;
      } catch (err) {
        // A single word too long to fit a line: encoded-words can be split anywhere.
        if (!(err instanceof SmtpError)) throw err;
      }
    }
    const words = encodeWords(value, SOFT_LINE - name.length - 2);
    this.#lines.push(foldHeader(name, words.join(' '), this.#hard));
    return this;
  }

  get length(): number {
    return this.#lines.length;
  }

  toString(): string {
    let out = '';
    for (const l of this.#lines) out += `${l}\r\n`;
    return out;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.toString(), 'utf8');
  }
}
