/**
 * Quoting untrusted text (server lines, user arguments) inside error messages.
 *
 * Error messages end up in logs and terminals, so control characters are escaped (no log forging, no
 * terminal escape sequences) and the length is capped so a hostile server cannot make us log megabytes.
 */

// C0, DEL, C1, and the Unicode line/paragraph separators and bidi controls that can reorder a log line.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function quoteForError(text: string, max = 100): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const safe = cut.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `"${safe}${text.length > max ? '...' : ''}"`;
}
