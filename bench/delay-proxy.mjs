#!/usr/bin/env node
/**
 * A TCP proxy on loopback that delays every chunk by `delayMs` in each direction (2 x delayMs of round-trip
 * time) and counts round trips.
 *
 * A *flight* is a run of bytes in one direction with nothing from the other side in between. A *round trip*
 * is a client flight that begins after the client received something from the server since its previous
 * flight: the client had to wait for a reply before it could speak again. Server bytes count from the moment
 * they are handed to the client (after the delay), client bytes from the moment they leave the client, so a
 * client that pipelines ahead is never charged for replies still on their way.
 *
 * Flights that start with EHLO, HELO, LHLO, STARTTLS, AUTH or QUIT are session set-up and tear-down; they are
 * counted apart (`sessionRoundTrips`) so "round trips per message" measures the transactions only.
 *
 * Library use: `const proxy = await startDelayProxy({ targetPort, delayMs: 10 })`, then `proxy.port`,
 * `proxy.stats()`, `proxy.reset()`, `await proxy.close()`.
 * Command line: `node bench/delay-proxy.mjs --target 127.0.0.1:5525 [--delay 10] [--port 0]` prints each
 * connection's counts when it closes.
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const SESSION_VERBS = /^(EHLO|HELO|LHLO|STARTTLS|AUTH|QUIT)\b/i;

/**
 * @param {{ targetHost?: string, targetPort: number, delayMs?: number, port?: number,
 *           onConnectionClosed?: (stats: object) => void }} options
 */
export async function startDelayProxy({ targetHost = '127.0.0.1', targetPort, delayMs = 10, port = 0, onConnectionClosed }) {
  let connections = [];
  const sockets = new Set();

  const server = net.createServer((client) => {
    const conn = newConnectionStats();
    connections.push(conn);
    client.setNoDelay(true);
    const upstream = net.connect({ host: targetHost, port: targetPort });
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    // Whether the server said anything to the client since the client's last flight, and which side spoke last.
    let heardSinceClientSpoke = true; // the greeting comes first: the EHLO flight is a round trip too
    let last = 'none';

    client.on('data', (chunk) => {
      conn.bytesUp += chunk.length;
      if (last !== 'C') {
        conn.clientFlights += 1;
        if (heardSinceClientSpoke) {
          const session = SESSION_VERBS.test(chunk.subarray(0, 16).toString('latin1'));
          if (session) conn.sessionRoundTrips += 1;
          else conn.roundTrips += 1;
        }
        heardSinceClientSpoke = false;
        last = 'C';
      }
      later(() => upstream.write(chunk));
    });
    upstream.on('data', (chunk) => {
      conn.bytesDown += chunk.length;
      later(() => {
        if (last !== 'S') conn.serverFlights += 1;
        last = 'S';
        heardSinceClientSpoke = true;
        client.write(chunk);
      });
    });
    const closeBoth = () => {
      later(() => {
        client.end();
        upstream.end();
      });
    };
    client.on('end', closeBoth);
    upstream.on('end', closeBoth);
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
    let open = 2;
    const closed = (socket) => () => {
      sockets.delete(socket);
      open -= 1;
      if (open === 0) onConnectionClosed?.({ ...conn });
    };
    client.on('close', closed(client));
    upstream.on('close', closed(upstream));
  });

  // Every chunk waits the same delay, and Node fires timers of equal duration in the order they were set,
  // so bytes keep their order in each direction.
  function later(fn) {
    if (delayMs <= 0) fn();
    else setTimeout(fn, delayMs);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });

  return {
    port: server.address().port,
    delayMs,
    /** Totals over every connection since the last reset, and the connections themselves. */
    stats() {
      const total = newConnectionStats();
      for (const c of connections) for (const key of Object.keys(total)) total[key] += c[key];
      return { connections: connections.length, ...total, perConnection: connections.map((c) => ({ ...c })) };
    },
    reset() {
      connections = [];
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function newConnectionStats() {
  return { clientFlights: 0, serverFlights: 0, roundTrips: 0, sessionRoundTrips: 0, bytesUp: 0, bytesDown: 0 };
}

// ---- command line ----

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const get = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const target = get('target');
  if (!target) {
    process.stderr.write('usage: node bench/delay-proxy.mjs --target HOST:PORT [--delay MS one-way] [--port P]\n');
    process.exit(2);
  }
  const [targetHost, targetPort] = target.includes(':') ? [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))] : ['127.0.0.1', Number(target)];
  if (!['127.0.0.1', 'localhost', '::1'].includes(targetHost)) {
    process.stderr.write('delay-proxy: loopback targets only\n');
    process.exit(2);
  }
  const proxy = await startDelayProxy({
    targetHost,
    targetPort,
    delayMs: Number(get('delay', '10')),
    port: Number(get('port', '0')),
    onConnectionClosed: (stats) => process.stdout.write(`connection closed: ${JSON.stringify(stats)}\n`),
  });
  process.stdout.write(`delay proxy 127.0.0.1:${proxy.port} -> ${targetHost}:${targetPort}, ${proxy.delayMs} ms each way (Ctrl-C for totals)\n`);
  process.on('SIGINT', async () => {
    const stats = proxy.stats();
    process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
    await proxy.close();
    process.exit(0);
  });
}
