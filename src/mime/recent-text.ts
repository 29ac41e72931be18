/**
 * The last text body encoded for one field (text, html), kept for the next message: bulk sending sends the
 * same body to recipient after recipient, and scanning, normalising and encoding it again would give the
 * same bytes. A different body costs one string comparison. Bodies over RECENT_TEXT_LIMIT are not kept, so
 * the memo never pins much memory. The bytes are shared between messages and must only be copied from.
 */
import { encodeText, type EncodedText } from './text-body.js';

export const RECENT_TEXT_LIMIT = 64 * 1024;

export class RecentText {
  #text: string | undefined;
  #allow8bit = false;
  #encoded: EncodedText | undefined;

  encode(text: string | Uint8Array, allow8bit: boolean): EncodedText {
    if (typeof text !== 'string' || text.length > RECENT_TEXT_LIMIT) return encodeText(text, { allow8bit });
    if (text === this.#text && allow8bit === this.#allow8bit && this.#encoded !== undefined) return this.#encoded;
    const encoded = encodeText(text, { allow8bit });
    this.#text = text;
    this.#allow8bit = allow8bit;
    this.#encoded = encoded;
    return encoded;
  }
}
