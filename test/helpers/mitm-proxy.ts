/**
 * A man in the middle on loopback: relays a client to a real server and rewrites what the server says,
 * line by line, the way a STARTTLS-stripping attacker does. Everything the client sends is recorded, so a
 * test can prove that nothing (AUTH, MAIL, a body) went out in plaintext.
 */
import net from 'node:net';
import { once } from 'node:events';

export interface MitmProxy {
  port: number;
  /** Every byte each client connection sent, as latin1 text. */
  fromClient: string[];
  close(): Promise<void>;
}

/** `rewrite` gets each server line with its line end and returns what the client should see instead. */
export async function startMitm(targetPort: number, rewrite: (line: string) => string): Promise<MitmProxy> {
  const fromClient: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const index = fromClient.length;
    fromClient[index] = '';
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    // After the client asks for STARTTLS the stream turns binary: stop rewriting and relay bytes as they are.
    let relayRaw = false;
    let pending = '';
    client.on('data', (chunk: Buffer) => {
      fromClient[index] += chunk.toString('latin1');
      if (/(^|\n)STARTTLS\r\n/i.test(fromClient[index] ?? '')) relayRaw = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (relayRaw && pending === '') {
        client.write(chunk);
        return;
      }
      pending += chunk.toString('latin1');
      let out = '';
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        out += rewrite(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      }
      if (out) client.write(Buffer.from(out, 'latin1'));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    fromClient,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
