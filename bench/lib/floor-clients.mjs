/**
 * Yardsticks for peak memory, not clients: what any promise-returning sender costs a Node process in the
 * burst of bench/peak-memory.mjs, below the code of a library.
 *
 * - `floor`: raw node:net sessions on loopback, MAIL + RCPT + DATA and then the body and its dot written
 *   without waiting for any reply (smtp-sink takes that; a real client must wait for the 354), at most 10
 *   transactions per session in flight, each message built as one string (headers, a random Message-ID,
 *   the text with CRLF line ends), settled with a two-field result. No validation, no timeouts, no error
 *   handling worth the name.
 * - `no-io`: no socket at all: each send is queued, and a setImmediate loop settles 50 at a time after
 *   building the same message string, so the process does the same allocation per message with nothing
 *   on the wire.
 *
 * Both keep what a caller's burst keeps (the message objects, a promise and its resolve function per
 * send, the results), which is what grows V8's young generation: see docs/memory-and-startup.md.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';

const render = (m, id) => `Message-ID: <${id}@floor.localhost>\r\nFrom: <${m.from}>\r\nTo: <${m.to}>\r\nSubject: ${m.subject}\r\n\r\n${m.text.replace(/\n/g, '\r\n')}`;

/** @param {{ port: number, connections: number }} options */
export function floorClient({ port, connections }) {
  const queue = [];
  let head = 0;
  const sessions = [];
  const pump = (s) => {
    while (s.ready && s.inflight.length < 10 && head < queue.length) {
      const q = queue[head];
      queue[head++] = undefined;
      q.id = randomUUID();
      s.socket.write(`MAIL FROM:<${q.m.from}>\r\nRCPT TO:<${q.m.to}>\r\nDATA\r\n`);
      s.socket.write(`${render(q.m, q.id)}.\r\n`);
      s.inflight.push(q);
    }
  };
  for (let i = 0; i < connections; i += 1) {
    const s = { socket: net.connect({ port, host: '127.0.0.1', noDelay: true }), inflight: [], received: '', state: 'greeting', replies: 0, ready: false };
    s.socket.setEncoding('latin1');
    s.socket.on('data', (data) => {
      s.received += data;
      for (let at = s.received.indexOf('\r\n'); at >= 0; at = s.received.indexOf('\r\n')) {
        const line = s.received.slice(0, at);
        s.received = s.received.slice(at + 2);
        if (line[3] === '-') continue;
        if (s.state === 'greeting') {
          s.state = 'ehlo';
          s.socket.write('EHLO floor.localhost\r\n');
        } else if (s.state === 'ehlo') {
          s.state = 'mail';
          s.ready = true;
        } else if (++s.replies % 4 === 0) {
          const q = s.inflight.shift();
          q.resolve({ messageId: q.id, response: line });
        }
      }
      pump(s);
    });
    sessions.push(s);
  }
  return {
    send: (m) =>
      new Promise((resolve) => {
        queue.push({ m, resolve, id: '' });
        for (const s of sessions) pump(s);
      }),
    close: async () => {
      for (const s of sessions) s.socket.end('QUIT\r\n');
    },
  };
}

export function noIoClient() {
  const queue = [];
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    for (const q of queue.splice(0, 50)) {
      const id = randomUUID();
      q.resolve({ messageId: id, response: `250 ${render(q.m, id).length}` });
    }
    if (queue.length > 0) {
      scheduled = true;
      setImmediate(drain);
    }
  };
  return {
    send: (m) =>
      new Promise((resolve) => {
        queue.push({ m, resolve });
        if (!scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      }),
    close: async () => {},
  };
}
