import { describe, expect, it } from 'vitest';
import { saslprep } from '../../src/sasl/saslprep.js';

describe('saslprep (RFC 4013)', () => {
  // RFC 4013 section 3 examples (bidi example 7 excluded: the bidi check is knowingly not implemented).
  it.each([
    ['I\u00ADX', 'IX'], // soft hyphen mapped to nothing
    ['user', 'user'],
    ['USER', 'USER'], // no case folding
    ['\u00AA', 'a'], // NFKC
    ['\u2168', 'IX'], // NFKC
  ])('maps %j to %j', (input, output) => {
    expect(saslprep(input)).toEqual({ ok: true, value: output });
  });

  it('maps non-ASCII spaces to SPACE and zero-width characters to nothing', () => {
    expect(saslprep('a\u00A0b\u3000c\u2003d')).toEqual({ ok: true, value: 'a b c d' });
    expect(saslprep('a\u200Bb\uFEFFc\u200Dd\uFE0Fe')).toEqual({ ok: true, value: 'abcde' });
  });

  it.each([
    ['\u0007', 'an ASCII control character'], // RFC 4013 example 6
    ['a\u007Fb', 'an ASCII control character'],
    ['a\u0085', 'a non-ASCII control character'],
    ['a\u2028', 'a non-ASCII control character'],
    ['\uE000', 'a private-use character'],
    ['\u{F0000}', 'a private-use character'],
    ['\uFDD0', 'a non-character code point'],
    ['\uFFFF', 'a non-character code point'],
    ['\u{1FFFE}', 'a non-character code point'],
    ['\uD800', 'an unpaired surrogate'],
    ['\uFFFD', 'a character inappropriate for plain text'],
    ['\u2FF0', 'an ideographic description character'],
    ['\u202E', 'a display-changing or deprecated character'],
    ['\u{E0041}', 'a tagging character'],
  ])('rejects %j as %s', (input, reason) => {
    const r = saslprep(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  it('accepts ordinary non-ASCII text and unassigned code points (query strings)', () => {
    expect(saslprep('pässwörd ñ 日本')).toEqual({ ok: true, value: 'pässwörd ñ 日本' });
    expect(saslprep('x\u{E0080}y').ok).toBe(true); // unassigned, outside the tag block
  });
});
