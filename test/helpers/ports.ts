/** Loopback ports for tests about servers that are not there. */
import net from 'node:net';

/** A port that was listening on 127.0.0.1 and is closed now: a server that was just stopped (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
