#!/usr/bin/env node
/**
 * The sink's own JavaScript per message, without sockets: `node bench/sink-session.mjs [--dist DIR]`.
 * `--bare` leaves out onMessage, as `mailwire sink --discard --quiet` does (the session then skips describing
 * each message). Drives one SinkSession (discard) through a stand-in socket with the packets smtp-source sends (MAIL,
 * RCPT, DATA, then a 2.2 KB body with its end), 300,000 messages after a warm-up, and prints the CPU
 * per message. End to end, one read and one write syscall per packet cost ten times more and vary with
 * the machine's load; this isolates the part src/sink/ controls (parsing, replies, bookkeeping).
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const at = process.argv.indexOf('--dist');
const dist = path.resolve(at > 0 ? process.argv[at + 1] : path.join(HERE, '..', 'dist'));
const { SinkSession } = await import(path.join(dist, 'sink', 'session.js'));
const { resolveOptions } = await import(path.join(dist, 'sink', 'options.js'));

/** Enough of a net.Socket for SinkConnection: input arrives as 'data' events, writes are counted. */
class StandInSocket extends EventEmitter {
  destroyed = false;
  writable = true;
  written = 0;
  setNoDelay() {}
  setTimeout() {}
  pause() {}
  resume() {}
  end() {}
  destroy() {}
  write(bytes) {
    this.written += bytes.length;
    return true;
  }
}

const bare = process.argv.includes('--bare');
const config = resolveOptions(bare ? { discard: true } : { discard: true, onMessage: () => {} });
let counter = 0;
const host = {
  config,
  stats: { connections: 0, messages: 0, bytes: 0, rejected: 0 },
  nextId: () => `0123456789${(++counter).toString(36).padStart(6, '0')}`,
  track() {},
  closed() {},
};
const socket = new StandInSocket();
new SinkSession(socket, host);
const line = (text) => Buffer.from(text, 'latin1');
const body = line(`From: <bench@bench.localhost>\r\nTo: <sink@bench.localhost>\r\n\r\n${`1${'X'.repeat(77)}\r\n`.repeat(27)}.\r\n`);
const packets = [line('MAIL FROM:<bench@bench.localhost>\r\n'), line('RCPT TO:<sink@bench.localhost>\r\n'), line('DATA\r\n'), body];
socket.emit('data', line('EHLO bench.localhost\r\n'));
const send = (n) => {
  for (let i = 0; i < n; i++) for (const packet of packets) socket.emit('data', packet);
};
send(50_000);
const messages = 300_000;
const before = process.cpuUsage();
send(messages);
const used = process.cpuUsage(before);
if (host.stats.messages !== messages + 50_000) throw new Error(`the sink took ${host.stats.messages} messages`);
console.log(`${dist}: ${((used.user + used.system) / messages).toFixed(2)} us of CPU per message (sink session, no sockets${bare ? ', no onMessage' : ''})`);
