import { describe, it, expect } from 'vitest';
import { RecentText, RECENT_TEXT_LIMIT } from '../../src/mime/recent-text.js';
import { encodeText } from '../../src/mime/text-body.js';
import { composeToBuffer } from '../../src/mime/compose.js';

describe('RecentText', () => {
  it('gives the same encoding back for the same text, without encoding it again', () => {
    const recent = new RecentText();
    const text = 'Hello\nworld\n'.repeat(10);
    const first = recent.encode(text, false);
    expect(recent.encode(`${text}`, false)).toBe(first);
    expect(first).toEqual(encodeText(text));
  });

  it('encodes a different text, or the same text with a different 8bit permission, afresh', () => {
    const recent = new RecentText();
    const a = recent.encode('caf\u00e9\n', false);
    expect(a.encoding).toBe('quoted-printable');
    const b = recent.encode('caf\u00e9\n', true);
    expect(b.encoding).toBe('8bit');
    expect(recent.encode('other\n', true).body.toString()).toBe('other\r\n');
  });

  it('keeps no text over the limit and no bytes input', () => {
    const recent = new RecentText();
    const big = 'x'.repeat(RECENT_TEXT_LIMIT + 1);
    expect(recent.encode(big, false)).not.toBe(recent.encode(big, false));
    const bytes = Buffer.from('abc\n');
    expect(recent.encode(bytes, false)).not.toBe(recent.encode(bytes, false));
  });

  it('two messages with one body compose to the same body bytes', async () => {
    const text = 'Line one\nLine two\r\n.leading dot\n';
    const one = (await composeToBuffer({ from: 'a@example.com', to: 'b@example.com', subject: 'one', text, html: '<p>x</p>' })).toString();
    const two = (await composeToBuffer({ from: 'a@example.com', to: 'b@example.com', subject: 'two', text, html: '<p>x</p>' })).toString();
    for (const raw of [one, two]) {
      expect(raw).toContain('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nLine one\r\nLine two\r\n.leading dot\r\n');
      expect(raw).toContain('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>x</p>\r\n');
    }
  });
});
