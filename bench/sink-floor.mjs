#!/usr/bin/env node
/**
 * The floor of a sink written on node:net's public API: `node bench/sink-floor.mjs PORT`.
 * The same reads and writes as `mailwire sink --discard` under smtp-source (one 'data' event per packet,
 * one Buffer write per batch of replies), and nothing else: commands are told apart by their first letter,
 * the end of data is found across packets, nothing is checked or counted. What a sink built on node:net
 * costs per message below its own code; `load-tools.mjs --floor` runs it next to the others.
 * Not a server for anything else (it accepts any input as a command and answers it).
 */
import net from 'node:net';

const port = Number(process.argv[2]);
const reply = (text) => Buffer.from(text, 'latin1');
const R = {
  greeting: reply('220 floor ESMTP\r\n'),
  ehlo: reply('250-floor\r\n250 PIPELINING\r\n'),
  ok: reply('250 2.0.0 OK\r\n'),
  data: reply('354 go\r\n'),
  queued: reply('250 2.0.0 OK: queued\r\n'),
  bye: reply('221 2.0.0 Bye\r\n'),
};
const END = Buffer.from('\r\n.\r\n', 'latin1');

net
  .createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    socket.write(R.greeting);
    let inData = false;
    let matched = 0; // bytes of END matched at the end of the previous packet
    socket.on('data', (buf) => {
      const out = [];
      let quit = false;
      let pos = 0;
      while (pos < buf.length) {
        if (inData) {
          let k = matched;
          let p = pos;
          while (k > 0 && k < END.length && p < buf.length) {
            if (buf[p] === END[k]) (k += 1), (p += 1);
            else k = 0;
          }
          if (k === END.length) {
            (pos = p), (inData = false), (matched = 0), out.push(R.queued);
            continue;
          }
          if (k > 0) {
            (matched = k), (pos = buf.length);
            break;
          }
          const at = buf.indexOf(END, pos);
          if (at !== -1) {
            (pos = at + END.length), (inData = false), (matched = 0), out.push(R.queued);
            continue;
          }
          matched = 0;
          for (let t = Math.min(END.length - 1, buf.length - pos); t > 0; t -= 1) {
            if (buf.subarray(buf.length - t).equals(END.subarray(0, t))) {
              matched = t;
              break;
            }
          }
          pos = buf.length;
          break;
        }
        const lf = buf.indexOf(10, pos);
        if (lf === -1) break;
        const c = buf[pos] | 0x20;
        if (c === 0x64) (inData = true), (matched = 2), out.push(R.data); // DATA: its CRLF starts END
        else if (c === 0x65 || c === 0x68) out.push(R.ehlo);
        else if (c === 0x71) (quit = true), out.push(R.bye);
        else out.push(R.ok);
        pos = lf + 1;
      }
      if (out.length === 1) socket.write(out[0]);
      else if (out.length > 1) socket.write(Buffer.concat(out));
      if (quit) socket.end();
    });
  })
  .listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
