/**
 * One SinkSession driven through a stand-in socket, so the input arrives in exactly the chunks chosen here:
 * a discarding sink (the load-test setup) must answer the same whatever the cut.
 */

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/sink/options.js';
import { SinkSession, type SessionHost } from '../../src/sink/session.js';
import type { SinkOptions } from '../../src/sink/types.js';

class StandInSocket extends EventEmitter {
  destroyed = false;
  writable = true;
  out = '';
  setNoDelay(): void {}
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}
  write(bytes: Buffer): boolean {
    this.out += bytes.toString('latin1');
    return true;
  }
}

/** Feed `chunks` to a new session; the reply codes it wrote (greeting left out) and its stats. */
function drive(chunks: Buffer[], options: SinkOptions = { discard: true }): { codes: string[]; messages: number; bytes: number } {
  const host: SessionHost = {
    config: resolveOptions(options),
    stats: { connections: 0, messages: 0, bytes: 0, rejected: 0 },
    nextId: () => 'id',
    track: () => {},
    closed: () => {},
  };
  const socket = new StandInSocket();
  new SinkSession(socket as never, host);
  for (const chunk of chunks) socket.emit('data', chunk);
  const codes = socket.out.split('\r\n').filter((l) => l !== '' && l[3] === ' ').map((l) => l.slice(0, 3));
  return { codes: codes.slice(1), messages: host.stats.messages, bytes: host.stats.bytes };
}

/** The input whole, cut in two at every position, and one byte at a time. */
function cuts(input: string): Buffer[][] {
  const b = Buffer.from(input, 'latin1');
  const out: Buffer[][] = [[b]];
  for (let i = 1; i < b.length; i++) out.push([b.subarray(0, i), b.subarray(i)]);
  out.push([...b].map((x) => Buffer.from([x])));
  return out;
}

const BODY = 'Subject: x\r\n\r\n..stuffed\r\n..\r\nmid . dot\r\n...\r\nend\r\n';
const UNSTUFFED = 'Subject: x\r\n\r\n.stuffed\r\n.\r\nmid . dot\r\n..\r\nend\r\n';

describe('sink session: a pipelined transaction cut anywhere (discard)', () => {
  it('ends DATA at the terminator and reads the commands after it, at every cut', () => {
    const input = `EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n${BODY}.\r\nMAIL FROM:<a@b.example>\r\nRSET\r\nNOOP\r\n`;
    for (const chunks of cuts(input)) {
      expect(drive(chunks)).toEqual({ codes: ['250', '250', '250', '354', '250', '250', '250', '250'], messages: 1, bytes: UNSTUFFED.length });
    }
  });

  it('takes back-to-back messages whose end and next MAIL share a chunk, at every cut', () => {
    const one = `MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n${BODY}.\r\n`;
    const input = `HELO c\r\n${one}${one}QUIT\r\n`;
    for (const chunks of cuts(input)) {
      expect(drive(chunks)).toEqual({ codes: ['250', '250', '250', '354', '250', '250', '250', '354', '250', '221'], messages: 2, bytes: 2 * UNSTUFFED.length });
    }
  });

  it('does not end on a terminator without its CRLF before it, nor on a bare-LF one', () => {
    const input = 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nx.\r\ny\n.\nz\r\n.\r\nNOOP\r\n';
    for (const chunks of cuts(input)) {
      expect(drive(chunks)).toEqual({ codes: ['250', '250', '250', '354', '250', '250'], messages: 1, bytes: 'x.\r\ny\n.\nz\r\n'.length });
    }
  });

  it('counts the same with onMessage set (the path that describes each message)', () => {
    const input = `EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n${BODY}.\r\n`;
    expect(drive([Buffer.from(input, 'latin1')], { discard: true, onMessage: () => {} })).toEqual({ codes: ['250', '250', '250', '354', '250'], messages: 1, bytes: UNSTUFFED.length });
  });
});
