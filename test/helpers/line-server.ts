/**
 * A forgiving SMTP server on 127.0.0.1 that answers each command line through a function: for tests that
 * need one particular refusal (554 5.7.1 at RCPT, 535 at AUTH) without scripting every pipelined line.
 * DATA bodies are read up to the final dot and answered with `onData`.
 */
import net from 'node:net';

export interface LineServer {
  port: number;
  /** Every command line received, across connections. */
  lines: string[];
  connections: () => number;
  close(): Promise<void>;
}

export interface LineServerOptions {
  /** EHLO keywords after the domain line, e.g. ['AUTH PLAIN LOGIN', 'PIPELINING']. */
  ehlo?: string[];
  /** The reply to a command (without CRLF); undefined falls back to the defaults below. */
  reply?: (line: string) => string | undefined;
  /** The reply after a DATA body. Default 250 2.0.0 queued. */
  onData?: string;
}

export async function lineServer(options: LineServerOptions = {}): Promise<LineServer> {
  const lines: string[] = [];
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    socket.write('220 line-server ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          const bare = buffer.startsWith('.\r\n') ? 0 : -1;
          if (end === -1 && bare === -1) return;
          buffer = bare === 0 ? buffer.slice(3) : buffer.slice(end + 5);
          inData = false;
          socket.write(`${options.onData ?? '250 2.0.0 queued'}\r\n`);
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        lines.push(line);
        const verb = line.split(' ')[0]?.toUpperCase() ?? '';
        const custom = options.reply?.(line);
        if (custom !== undefined) {
          socket.write(`${custom}\r\n`);
          if (verb === 'DATA' && custom.startsWith('354')) inData = true;
          continue;
        }
        if (verb === 'EHLO') {
          const keywords = options.ehlo ?? [];
          socket.write([`line-server`, ...keywords].map((k, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${k}`).join('\r\n') + '\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
        } else {
          socket.write('250 2.0.0 ok\r\n');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    lines,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
