/**
 * Builds a block of header lines: structured values are folded as they are; free text is written plain
 * when that is safe and as RFC 2047 encoded-words otherwise. Every line ends in CRLF.
 */

import { SmtpError } from '../errors.js';
import { encodeWords, isPlainHeaderText } from './encoded-word.js';
import { SOFT_LINE, foldHeader } from './folding.js';

export class HeaderBlock {
  // One string, appended to: no array of lines to join at the end.
  #text = '';
  readonly #hard: number;

  /** `lines`: header lines already built (each ending in CRLF) to start with. */
  constructor(hardLimit = 998, lines = '') {
    this.#hard = hardLimit;
    this.#text = lines;
  }

  /** A structured value (addresses, ids, content types) that is already in wire syntax. */
  structured(name: string, value: string): this {
    this.#text += `${foldHeader(name, value, this.#hard)}\r\n`;
    return this;
  }

  /** Whole lines, each "Name: value" with its CRLF, that the caller knows need no folding. */
  lines(text: string): this {
    this.#text += text;
    return this;
  }

  /** Free text (Subject, custom headers): plain when possible, encoded-words otherwise. */
  text(name: string, value: string): this {
    if (isPlainHeaderText(value)) {
      try {
        this.#text += `${foldHeader(name, value, this.#hard)}\r\n`;
            return this;
      } catch (err) {
        // A single word too long to fit a line: encoded-words can be split anywhere.
        if (!(err instanceof SmtpError)) throw err;
      }
    }
    const words = encodeWords(value, SOFT_LINE - name.length - 2);
    this.#text += `${foldHeader(name, words.join(' '), this.#hard)}\r\n`;
    return this;
  }

  toString(): string {
    return this.#text;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.toString(), 'utf8');
  }
}
