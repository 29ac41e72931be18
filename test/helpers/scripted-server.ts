/**
 * A scripted SMTP server on 127.0.0.1 for transcript and fault tests.
 *
 * A script is what the server says (`s`) and the exact line the client must write next (`c`), plus the
 * hostile moves a real server never makes on purpose: raw bytes, TLS upgrade, silence, closing mid-reply.
 * Every byte the client writes is recorded, so a test can assert the exact wire output.
 */
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';

export type Step =
  | { s: string } // server sends this line (CRLF appended)
  | { c: string | RegExp } // client must send exactly this line (without CRLF)
  | { raw: string | Buffer } // server sends these bytes as they are
  | { tls: true; cert?: string; key?: string } // server side of a TLS handshake on this socket
  | { data: true } // server reads a DATA body up to CRLF.CRLF (recorded in `bodies`)
  | { bdat: number } // server reads exactly n body bytes after a BDAT line
  | { bdatChunk: true } // server reads BDAT chunks up to the LAST one, answering each earlier chunk with 250 (body recorded in `bodies`)
  | { waitMs: number }
  | { close: true } // server closes the connection
  | { hang: true } // server stops answering (keeps the socket open)
  | { reset: true } // server resets the connection (TCP RST, no FIN)
  | { byteByByte: boolean } // from here on, `s` and `raw` bytes go out one byte per write
  | { spew: string | Buffer; bytes?: number }; // server repeats these bytes (up to `bytes`, else until the client goes), with backpressure

export interface ScriptedServer {
  port: number;
  /** Every byte the client wrote, per connection, as latin1 text. */
  received: string[];
  bodies: Buffer[];
  /** Script mismatches, per connection (empty when the client followed the script). */
  errors: string[];
  /** Bytes written by `spew` steps, per connection. */
  spewed: number[];
  /** Resolves when every scripted connection has finished its script. */
  done: Promise<void>;
  close(): Promise<void>;
}

/** Starts a server that runs scripts[i] on the i-th connection. */
export async function scriptedServer(...scripts: Step[][]): Promise<ScriptedServer> {
  const received: string[] = [];
  const bodies: Buffer[] = [];
  const errors: string[] = [];
  const spewed: number[] = [];
  const sockets = new Set<net.Socket>();
  let connection = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let finished = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const index = connection++;
    received[index] = '';
    spewed[index] = 0;
    const script = scripts[index] ?? [];
    runScript(socket, script, index)
      .catch((error: unknown) => errors.push(`#${index}: ${(error as Error).message}`))
      .finally(() => {
        finished += 1;
        if (finished >= scripts.length) finish();
      });
  });

  async function runScript(initial: net.Socket, script: Step[], index: number): Promise<void> {
    let socket: net.Socket = initial;
    let buffer = Buffer.alloc(0);
    let waiting: (() => void) | undefined;
    let ended = false;
    const onData = (chunk: Buffer): void => {
      received[index] += chunk.toString('latin1');
      buffer = Buffer.concat([buffer, chunk]);
      waiting?.();
    };
    const onEnd = (): void => {
      ended = true;
      waiting?.();
    };
    const listen = (s: net.Socket): void => {
      s.on('data', onData);
      s.on('end', onEnd);
      s.on('close', onEnd);
      s.on('error', () => undefined);
    };
    listen(socket);
    const waitFor = async (predicate: () => number): Promise<Buffer> => {
      for (;;) {
        const n = predicate();
        if (n >= 0) {
          const out = buffer.subarray(0, n);
          buffer = buffer.subarray(n);
          return out;
        }
        if (ended) throw new Error('client closed the connection');
        await new Promise<void>((resolve) => (waiting = resolve));
        waiting = undefined;
      }
    };
    let byteByByte = false;
    const send = async (bytes: string | Buffer): Promise<void> => {
      if (!byteByByte) {
        socket.write(bytes);
        return;
      }
      socket.setNoDelay(true);
      const all = Buffer.from(bytes);
      for (let i = 0; i < all.length && !ended; i++) {
        socket.write(all.subarray(i, i + 1));
        // A timer (not setImmediate) so each byte leaves in its own segment and the client reads it alone.
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    for (const step of script) {
      if ('s' in step) await send(`${step.s}\r\n`);
      else if ('raw' in step) await send(step.raw);
      else if ('byteByByte' in step) byteByByte = step.byteByByte;
      else if ('reset' in step) {
        initial.resetAndDestroy();
        return;
      } else if ('spew' in step) {
        spewed[index] = await spew(socket, step.spew, step.bytes, () => ended);
      } else if ('waitMs' in step) await new Promise((r) => setTimeout(r, step.waitMs));
      else if ('close' in step) {
        // Like a real server: what was written goes out first (a TLS socket writes asynchronously, and an
        // immediate destroy() would drop a final 421), then FIN; destroy() only if the client never reads.
        const closing = new Promise<void>((resolve) => socket.end(() => resolve()));
        await Promise.race([closing, new Promise((r) => setTimeout(r, 200))]);
        socket.destroy();
        return;
      } else if ('hang' in step) {
        await new Promise((r) => setTimeout(r, 60_000).unref());
        return;
      } else if ('c' in step) {
        const line = (await waitFor(() => {
          const i = buffer.indexOf('\r\n');
          return i < 0 ? -1 : i + 2;
        })).toString('utf8').slice(0, -2);
        const ok = typeof step.c === 'string' ? line === step.c : step.c.test(line);
        if (!ok) {
          socket.write('500 script mismatch\r\n');
          throw new Error(`expected ${String(step.c)} but the client sent ${JSON.stringify(line)}`);
        }
      } else if ('data' in step) {
        const body = await waitFor(() => {
          if (buffer.subarray(0, 3).toString() === '.\r\n') return 3;
          const i = buffer.indexOf('\r\n.\r\n');
          return i < 0 ? -1 : i + 5;
        });
        bodies.push(body);
      } else if ('bdatChunk' in step) {
        const chunks: Buffer[] = [];
        for (let last = false; !last; ) {
          const line = (await waitFor(() => {
            const i = buffer.indexOf('\r\n');
            return i < 0 ? -1 : i + 2;
          })).toString('latin1');
          const match = /^BDAT (\d+)( LAST)?\r\n$/.exec(line);
          if (!match) {
            socket.write('500 script mismatch\r\n');
            throw new Error(`expected a BDAT command but the client sent ${JSON.stringify(line)}`);
          }
          const size = Number(match[1]);
          chunks.push(Buffer.from(await waitFor(() => (buffer.length >= size ? size : -1))));
          last = match[2] !== undefined;
          if (!last) await send(`250 2.0.0 ${size} octets received\r\n`);
        }
        bodies.push(Buffer.concat(chunks));
      } else if ('bdat' in step) {
        bodies.push(await waitFor(() => (buffer.length >= step.bdat ? step.bdat : -1)));
      } else if ('tls' in step) {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        const secure = new tls.TLSSocket(socket, {
          isServer: true,
          cert: step.cert ?? TEST_CERTIFICATE,
          key: step.key ?? TEST_PRIVATE_KEY,
        });
        await once(secure, 'secure');
        socket = secure;
        buffer = Buffer.alloc(0);
        listen(socket);
      }
    }
    // Script over: wait for the client to hang up (QUIT's 221 is part of the script when expected).
    await waitFor(() => (ended ? 0 : -1)).catch(() => undefined);
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    bodies,
    errors,
    spewed,
    done,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Upper bound for an open-ended spew, so a client that never hangs up cannot keep a test writing forever. */
const SPEW_CAP = 256 * 1024 * 1024;

/**
 * Writes `unit` again and again, waiting for 'drain' like a well-behaved sender, until `limit` bytes are out
 * or the client has gone. Memory on this side stays at one 64 KiB block however much is sent.
 */
async function spew(socket: net.Socket, unit: string | Buffer, limit: number | undefined, gone: () => boolean): Promise<number> {
  const one = Buffer.from(unit);
  const block = Buffer.alloc(Math.max(one.length, Math.floor((64 * 1024) / one.length) * one.length));
  for (let i = 0; i < block.length; i += one.length) one.copy(block, i);
  const max = limit ?? SPEW_CAP;
  let sent = 0;
  while (sent < max && !gone() && !socket.destroyed) {
    const piece = block.subarray(0, Math.min(block.length, max - sent));
    sent += piece.length;
    if (!socket.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
  return sent;
}

/** The usual opening: greeting and an EHLO answered with these capability lines. */
export function greetAndEhlo(clientName: string, capabilities: string[]): Step[] {
  const lines = ['mx.test', ...capabilities];
  return [
    { s: '220 mx.test ESMTP ready' },
    { c: `EHLO ${clientName}` },
    ...lines.map((line, i) => ({ s: `250${i === lines.length - 1 ? ' ' : '-'}${line}` })),
  ];
}

/**
 * A pipelined envelope from a@example.com to b@example.com (or to `recipients`), accepted, and the body up
 * to its final dot (the reply to the dot is the caller's). `mail` is the MAIL line to expect, e.g. with
 * BODY=8BITMIME.
 */
export function pipelinedToDot(mail: string | RegExp = 'MAIL FROM:<a@example.com>', recipients: string[] = ['b@example.com']): Step[] {
  return [
    { c: mail },
    ...recipients.map((address): Step => ({ c: `RCPT TO:<${address}>` })),
    { c: 'DATA' },
    ...[mail, ...recipients].map((): Step => ({ s: '250 ok' })),
    { s: '354 go' },
    { data: true },
  ];
}
