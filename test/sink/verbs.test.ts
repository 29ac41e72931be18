import { describe, expect, it } from 'vitest';
import { VERB_LENGTH, Verb, verbOf } from '../../src/sink/verbs.js';

const verb = (line: string): Verb => {
  // Padded on both sides so the range, not the buffer's ends, has to be respected.
  const buf = Buffer.from(`xx${line}\r\nDATA\r\n`, 'utf8');
  return verbOf(buf, 2, 2 + Buffer.byteLength(line));
};

describe('verbOf', () => {
  it('recognises every verb in any ASCII case, alone or before a space', () => {
    const names: Array<[string, Verb]> = [
      ['EHLO', Verb.Ehlo], ['HELO', Verb.Helo], ['MAIL', Verb.Mail], ['RCPT', Verb.Rcpt], ['DATA', Verb.Data],
      ['BDAT', Verb.Bdat], ['RSET', Verb.Rset], ['NOOP', Verb.Noop], ['QUIT', Verb.Quit], ['VRFY', Verb.Vrfy],
      ['HELP', Verb.Help], ['EXPN', Verb.Expn], ['TURN', Verb.Turn], ['ETRN', Verb.Etrn], ['AUTH', Verb.Auth],
      ['STARTTLS', Verb.Starttls],
    ];
    for (const [name, v] of names) {
      expect(verb(name)).toBe(v);
      expect(verb(name.toLowerCase())).toBe(v);
      expect(verb(`${name[0]}${name.slice(1).toLowerCase()} arg`)).toBe(v);
      expect(verb(`${name} `)).toBe(v);
      expect(VERB_LENGTH[v]).toBe(name.length);
    }
  });

  it('knows nothing else: longer words, other separators, near-letters, non-ASCII look-alikes', () => {
    for (const line of ['', 'MAI', 'MAILX', 'MAIL\tFROM:<a@b>', 'STARTTLSX', 'STARTTL', 'M@IL', 'MA\u0131L', 'QU\u0131T', 'DATA:', '\u017fTARTTLS', 'XDATA']) {
      expect(verb(line)).toBe(Verb.Unknown);
    }
  });
});
