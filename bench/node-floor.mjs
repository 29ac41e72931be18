#!/usr/bin/env node
/**
 * A yardstick, not a client: the least a Node program can do per message for the exchange mailwire uses on a
 * PIPELINING server without CHUNKING (MAIL + RCPT + DATA in one write, the body and its dot in the next,
 * with the next envelope riding behind the dot). No validation, no composing, no timeouts, no error
 * handling worth the name; replies are only counted and their codes checked. It shows how much of a
 * library's cost per message is the runtime and how much is the library.
 *
 *   node bench/node-floor.mjs PORT [CONNECTIONS=5] [MESSAGES=20000]
 *
 * Point it at a sink on loopback (Postfix's smtp-sink, or `mailwire sink`); it only ever connects to
 * 127.0.0.1. Prints one JSON line: messages/s and user/system CPU microseconds per message.
 */
import net from 'node:net';

const port = Number(process.argv[2]);
const connections = Number(process.argv[3] ?? 5);
const total = Number(process.argv[4] ?? 20_000);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node bench/node-floor.mjs PORT [CONNECTIONS] [MESSAGES]\n');
  process.exit(2);
}

const LINE = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te.\r\n';
const BODY = Buffer.from(`From: bench@bench.localhost\r\nTo: sink@bench.localhost\r\nSubject: floor\r\n\r\n${LINE.repeat(22)}.\r\n`);
const ENVELOPE = Buffer.from('MAIL FROM:<bench@bench.localhost>\r\nRCPT TO:<sink@bench.localhost>\r\nDATA\r\n');

let started = 0;
let delivered = 0;

function session() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const expected = ['greeting']; // what each final reply line answers, in order
    let partial = '';
    const sendEnvelope = () => {
      started += 1;
      expected.push('mail', 'rcpt', 'data');
      socket.write(ENVELOPE);
    };
    socket.on('data', (chunk) => {
      partial += chunk.toString('latin1');
      for (let end = partial.indexOf('\r\n'); end !== -1; end = partial.indexOf('\r\n')) {
        const line = partial.slice(0, end);
        partial = partial.slice(end + 2);
        if (line[3] === '-') continue; // a continuation line of a multiline reply
        const kind = expected.shift();
        const ok = kind === 'data' ? line.startsWith('354') : line.startsWith('2');
        if (!ok) return reject(new Error(`unexpected reply to ${kind}: ${line}`));
        if (kind === 'greeting') {
          expected.push('ehlo');
          socket.write('EHLO bench.localhost\r\n');
        } else if (kind === 'ehlo') {
          if (started < total) sendEnvelope();
        } else if (kind === 'data') {
          // The body, its dot, and the next envelope behind it: one write, as mailwire does.
          socket.cork();
          socket.write(BODY);
          expected.push('dot');
          if (started < total) sendEnvelope();
          process.nextTick(() => socket.uncork());
        } else if (kind === 'dot') {
          delivered += 1;
          if (expected.length === 0) {
            expected.push('quit');
            socket.write('QUIT\r\n');
          }
        } else if (kind === 'quit') {
          socket.end();
          resolve();
        }
      }
    });
    socket.on('error', reject);
  });
}

const cpu = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: connections }, session));
const ms = performance.now() - t0;
const used = process.cpuUsage(cpu);
process.stdout.write(
  `${JSON.stringify({ messages: delivered, connections, msgPerSec: Math.round((delivered / ms) * 1000), userUsPerMessage: Math.round(used.user / delivered), systemUsPerMessage: Math.round(used.system / delivered) })}\n`,
);
