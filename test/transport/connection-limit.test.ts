/**
 * Issue 14: the server never sees more than maxConnections connections from one pool, also while
 * connections retire after maxMessagesPerConnection (a retiring connection counts until it is closed).
 * The server (smtp-server) counts its own open sessions: what a provider's per-client limit would see.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/index.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** smtp-server with a count of open sockets, and the most seen at once. */
async function countingPeer(): Promise<{ peer: SmtpServerPeer; most: () => number; total: () => number }> {
  const peer = await startSmtpServerPeer();
  cleanups.push(() => peer.close());
  let open = 0;
  let most = 0;
  let total = 0;
  peer.server.server.on('connection', (socket: Socket) => {
    open += 1;
    total += 1;
    most = Math.max(most, open);
    // The session is over for the server once either side has ended it: the server closing after its 221
    // ('finish', when its FIN is out; what a provider's connection count follows), or the client gone
    // ('end'). Node emits the socket's own 'close' a little later, and a new connection can be accepted in
    // between: the server's scheduling, not a connection the client still holds.
    let counted = true;
    const gone = (): void => {
      if (counted) open -= 1;
      counted = false;
    };
    socket.once('finish', gone);
    socket.once('end', gone);
    socket.once('close', gone);
  });
  return { peer, most: () => most, total: () => total };
}

describe('the pool stays within maxConnections as seen by the server', () => {
  for (const [maxConnections, perConnection] of [
    [5, 2],
    [2, 1],
  ] as const) {
    it(`pool of ${maxConnections}, ${perConnection} message(s) per connection, 60 sends`, async () => {
      const { peer, most, total } = await countingPeer();
      const t = createTransport({
        host: '127.0.0.1',
        port: peer.port,
        security: 'none',
        pool: { maxConnections, maxMessagesPerConnection: perConnection },
      });
      const sends = Array.from({ length: 60 }, (_, i) => t.send({ from: 'a@example.com', to: `r${i}@example.com`, text: `m${i}` }));
      await Promise.all(sends);
      await t.close();
      expect(peer.messages).toHaveLength(60);
      // Connections were replaced many times, and never more than maxConnections at once.
      expect(total()).toBeGreaterThanOrEqual(60 / perConnection);
      expect(most()).toBeLessThanOrEqual(maxConnections);
    });
  }
});
