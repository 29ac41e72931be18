// A small scripted SMTP server for the chaos test: PIPELINING, DATA only. After each final dot it decides,
// from a seeded generator (so a run is repeatable), to answer 250, answer 451, or drop the connection
// without answering (the client cannot know whether the message was taken). It counts, per Message-ID,
// every message it may have taken: answered 250 or dropped after the dot. 451 is "not taken".
import net from 'node:net';

/** mulberry32: tiny seeded PRNG, enough to make chaos repeatable. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param {{ seed?: number, dropRate?: number, tempFailRate?: number }} options
 */
export async function startChaosSmtp(options = {}) {
  const random = prng(options.seed ?? 1);
  const dropRate = options.dropRate ?? 0;
  const tempFailRate = options.tempFailRate ?? 0;
  /** Message-ID -> times the server may have taken it. */
  const taken = new Map();
  const stats = { connections: 0, dots: 0, accepted: 0, dropped: 0, tempFailed: 0 };
  const sockets = new Set();
  const server = net.createServer((socket) => {
    stats.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('220 chaos ESMTP\r\n');
    let pending = '';
    let inData = false;
    let messageId = '';
    let headers = true;
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      pending += chunk;
      let out = '';
      let at;
      while ((at = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            stats.dots += 1;
            const r = random();
            if (r < dropRate) {
              stats.dropped += 1;
              count(taken, messageId);
              socket.write(out);
              socket.destroy();
              return;
            }
            if (r < dropRate + tempFailRate) {
              stats.tempFailed += 1;
              out += '451 4.3.0 try again later\r\n';
            } else {
              stats.accepted += 1;
              count(taken, messageId);
              out += '250 2.0.0 queued\r\n';
            }
          } else if (headers) {
            if (line === '') headers = false;
            else if (/^message-id:/i.test(line)) messageId = line.slice(line.indexOf(':') + 1).trim();
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') out += '250-chaos\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n';
        else if (verb === 'HELO' || verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET' || verb === 'NOOP') out += '250 ok\r\n';
        else if (verb === 'DATA') {
          inData = true;
          headers = true;
          messageId = '';
          out += '354 go\r\n';
        } else if (verb === 'QUIT') {
          socket.end(out + '221 bye\r\n');
          return;
        } else out += '502 unknown\r\n';
      }
      if (out) socket.write(out);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    taken,
    stats,
    duplicates() {
      return [...taken].filter(([, n]) => n > 1);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r()));
    },
  };
}

function count(map, id) {
  map.set(id, (map.get(id) ?? 0) + 1);
}
