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
  | { waitMs: number }
  | { close: true } // server closes the connection
  | { hang: true }; // server stops answering (keeps the socket open)

export interface ScriptedServer {
  port: number;
  /** Every byte the client wrote, per connection, as latin1 text. */
  received: string[];
  bodies: Buffer[];
  /** Script mismatches, per connection (empty when the client followed the script). */
  errors: string[];
  /** Resolves when every scripted connection has finished its script. */
  done: Promise<void>;
  close(): Promise<void>;
}

/** Starts a server that runs scripts[i] on the i-th connection. */
export async function scriptedServer(...scripts: Step[][]): Promise<ScriptedServer> {
  const received: string[] = [];
  const bodies: Buffer[] = [];
  const errors: string[] = [];
  const sockets = new Set<net.Socket>();
  let connection = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let finished = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const index = connection++;
    received[index] = '';
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
    for (const step of script) {
      if ('s' in step) socket.write(`${step.s}\r\n`);
      else if ('raw' in step) socket.write(step.raw);
      else if ('waitMs' in step) await new Promise((r) => setTimeout(r, step.waitMs));
      else if ('close' in step) {
        socket.end();
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
    done,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
