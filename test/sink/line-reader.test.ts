import { describe, expect, it } from 'vitest';
import { LineKind, LineReader, MAX_LINE_BYTES, type LineEvent } from '../../src/sink/line-reader.js';

function readAll(reader: LineReader, chunks: string[]): LineEvent[] {
  const events: LineEvent[] = [];
  for (const c of chunks) {
    const buf = Buffer.from(c, 'utf8');
    let pos = 0;
    while (pos < buf.length) {
      pos = reader.read(buf, pos);
      const event = reader.event();
      if (event) events.push(event);
    }
  }
  return events;
}

describe('LineReader', () => {
  it('frames several lines in one chunk and one line over many chunks', () => {
    expect(readAll(new LineReader(), ['NOOP\r\nRSET\r\nQU', 'I', 'T\r', '\n'])).toEqual([
      { kind: 'line', text: 'NOOP' },
      { kind: 'line', text: 'RSET' },
      { kind: 'line', text: 'QUIT' },
    ]);
  });

  it('decodes UTF-8 split across chunks', () => {
    const bytes = Buffer.from('MAIL FROM:<bé@x.fr>\r\n');
    const r = new LineReader();
    r.read(bytes.subarray(0, 13), 0);
    expect(r.event()).toBeNull();
    r.read(bytes.subarray(13), 0);
    expect(r.event()).toEqual({ kind: 'line', text: 'MAIL FROM:<bé@x.fr>' });
  });

  it('rejects a bare LF', () => {
    expect(readAll(new LineReader(), ['NOOP\nRSET\r\n'])).toEqual([{ kind: 'bare-lf' }, { kind: 'line', text: 'RSET' }]);
  });

  it('accepts a line of exactly the limit and refuses one byte more, in one chunk or many', () => {
    const ok = `${'A'.repeat(MAX_LINE_BYTES - 2)}\r\n`;
    const long = `${'A'.repeat(MAX_LINE_BYTES - 1)}\r\n`;
    expect(readAll(new LineReader(), [ok])).toEqual([{ kind: 'line', text: 'A'.repeat(MAX_LINE_BYTES - 2) }]);
    expect(readAll(new LineReader(), [long, 'NOOP\r\n'])).toEqual([{ kind: 'too-long' }, { kind: 'line', text: 'NOOP' }]);
    const pieces = [...long.matchAll(/.{1,100}/gs)].map((m) => m[0]);
    expect(readAll(new LineReader(), [...pieces, 'NOOP\r\n'])).toEqual([{ kind: 'too-long' }, { kind: 'line', text: 'NOOP' }]);
  });

  it('reports an endless line once and does not keep it', () => {
    const r = new LineReader();
    const events = readAll(r, Array.from({ length: 100 }, () => 'x'.repeat(1000)));
    expect(events).toEqual([{ kind: 'too-long' }]);
    expect(readAll(r, ['tail\r\nNOOP\r\n'])).toEqual([{ kind: 'line', text: 'NOOP' }]);
  });

  it('reports a line inside its chunk as a range of that chunk (no copy)', () => {
    const chunk = Buffer.from('NOOP\r\nMAIL FROM:<a@b.c>\r\n');
    const r = new LineReader();
    const next = r.read(chunk, 0);
    expect(next).toBe(6);
    r.read(chunk, next);
    expect(r.kind).toBe(LineKind.Line);
    expect(r.line).toBe(chunk);
    expect(chunk.toString('latin1', r.start, r.end)).toBe('MAIL FROM:<a@b.c>');
  });

  it('reset() forgets a partial line', () => {
    const r = new LineReader();
    readAll(r, ['NO']);
    r.reset();
    expect(readAll(r, ['OP\r\n'])).toEqual([{ kind: 'line', text: 'OP' }]);
  });
});
