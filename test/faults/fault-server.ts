/**
 * A small, fast SMTP server that misbehaves on purpose, for the load test: it drops a share of its
 * connections at random points (before the greeting, at EHLO, at MAIL/RCPT/DATA, while the body arrives,
 * right after the final dot with or without keeping the message) with a FIN or a RST, and answers 421 to a
 * share of transactions at a random point (then closes, as 421 means). Everything else is a correct,
 * pipelining server with DATA and (on some connections) CHUNKING.
 *
 * It counts every message it keeps by Message-ID, so the test can check exactly-once delivery. Randomness
 * comes from a seeded generator: a failing run can be replayed with the same seed (given equal timing).
 */
import net from 'node:net';
import { once } from 'node:events';

export type DropPoint = 'greeting' | 'ehlo' | 'mail' | 'rcpt' | 'data' | 'body' | 'after-dot-kept' | 'after-dot-lost';
export type RefusalPoint = 'mail' | 'rcpt' | 'data' | 'end';

const DROP_POINTS: DropPoint[] = ['greeting', 'ehlo', 'mail', 'rcpt', 'data', 'body', 'after-dot-kept', 'after-dot-lost'];
const REFUSAL_POINTS: RefusalPoint[] = ['mail', 'rcpt', 'data', 'end'];

export interface FaultOptions {
  /** Share of connections dropped at some point of their life (0..1). */
  dropRate: number;
  /** Share of transactions answered 421 at some point (0..1). */
  refuseRate: number;
  /** Share of connections that offer CHUNKING (0..1). */
  chunkingRate: number;
  /** How many transactions a connection is expected to carry; a drop is planned within them. */
  transactionsPerConnection: number;
  seed: number;
  /** Deterministic faults for the server's own tests: drop connection n (0-based) at its first transaction. */
  forceDrop?: { connection: number; at: DropPoint; rst: boolean };
  /** Deterministic faults for the server's own tests: answer 421 to transaction n (0-based, server-wide). */
  forceRefusal?: { transaction: number; at: RefusalPoint };
}

export interface FaultStats {
  connections: number;
  transactions: number;
  kept: number;
  drops: Record<DropPoint, number>;
  resets: number;
  refusals: Record<RefusalPoint, number>;
}

export interface FaultServer {
  port: number;
  stats: FaultStats;
  /** Message-ID -> how many times the server kept that message. */
  copies: Map<string, number>;
  close(): Promise<void>;
}

/** mulberry32: tiny, seedable, good enough to pick faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CRLF = Buffer.from('\r\n');
const END_OF_DATA = Buffer.from('\r\n.\r\n');

export async function startFaultServer(options: FaultOptions): Promise<FaultServer> {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const stats: FaultStats = {
    connections: 0,
    transactions: 0,
    kept: 0,
    drops: Object.fromEntries(DROP_POINTS.map((p) => [p, 0])) as Record<DropPoint, number>,
    resets: 0,
    refusals: Object.fromEntries(REFUSAL_POINTS.map((p) => [p, 0])) as Record<RefusalPoint, number>,
  };
  const copies = new Map<string, number>();
  const sockets = new Set<net.Socket>();

  const keep = (body: Buffer): void => {
    // The Message-ID header is near the top; the test composes every message with one.
    const head = body.toString('latin1', 0, Math.min(body.length, 4096));
    const id = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? '<none>';
    copies.set(id, (copies.get(id) ?? 0) + 1);
    stats.kept += 1;
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    const connection = stats.connections++;
    const chunking = random() < options.chunkingRate;
    const forced = options.forceDrop?.connection === connection ? { ...options.forceDrop, tx: 0 } : undefined;
    const drop =
      forced ??
      (random() < options.dropRate
        ? { at: pick(DROP_POINTS), tx: Math.floor(random() * options.transactionsPerConnection), rst: random() < 0.5 }
        : undefined);
    let input: Buffer = Buffer.alloc(0);
    let out = '';
    let done = false;
    let mode: 'command' | 'data' | 'bdat' = 'command';
    let txCount = 0;
    let tx: { index: number; refuseAt: RefusalPoint | undefined; chunks: Buffer[] } | undefined;
    let bdat = { remaining: 0, last: false };

    const flush = (): void => {
      if (out && !socket.destroyed) socket.write(out);
      out = '';
    };
    const dropNow = (point: DropPoint): true => {
      done = true;
      stats.drops[point] += 1;
      if (drop?.rst) {
        // A crash: whatever was not sent yet is lost, and the peer gets a RST.
        stats.resets += 1;
        socket.resetAndDestroy();
      } else {
        flush();
        socket.end();
        setTimeout(() => socket.destroy(), 20).unref();
      }
      return true;
    };
    /** True when this connection's planned drop is here (and performs it). */
    const dropsAt = (point: DropPoint): boolean => {
      if (!drop || drop.at !== point) return false;
      if (point !== 'greeting' && point !== 'ehlo' && (tx === undefined || tx.index !== drop.tx)) return false;
      return dropNow(point);
    };
    const refusesAt = (point: RefusalPoint): boolean => {
      if (tx?.refuseAt !== point) return false;
      done = true;
      stats.refusals[point] += 1;
      out += '421 4.3.2 Service shutting down, closing transmission channel\r\n';
      flush();
      socket.end();
      setTimeout(() => socket.destroy(), 20).unref();
      return true;
    };
    const endOfMessage = (body: Buffer): void => {
      mode = 'command';
      if (dropsAt('body') || dropsAt('after-dot-lost')) return;
      if (drop?.at === 'after-dot-kept' && tx?.index === drop.tx) {
        keep(body);
        dropNow('after-dot-kept');
        return;
      }
      if (refusesAt('end')) return;
      keep(body);
      out += `250 2.0.0 Ok: queued as ${stats.kept}\r\n`;
      tx = undefined;
    };

    const command = (line: string): void => {
      const verb = line.slice(0, 4).toUpperCase();
      switch (verb) {
        case 'EHLO':
        case 'HELO':
          if (dropsAt('ehlo')) return;
          out += `250-fault.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 26214400\r\n${chunking ? '250-CHUNKING\r\n' : ''}250 ENHANCEDSTATUSCODES\r\n`;
          return;
        case 'MAIL': {
          const serverWide = stats.transactions++;
          const refuseAt =
            options.forceRefusal?.transaction === serverWide ? options.forceRefusal.at : random() < options.refuseRate ? pick(REFUSAL_POINTS) : undefined;
          tx = { index: txCount++, refuseAt, chunks: [] };
          if (dropsAt('mail') || refusesAt('mail')) return;
          out += '250 2.1.0 Ok\r\n';
          return;
        }
        case 'RCPT':
          if (dropsAt('rcpt') || refusesAt('rcpt')) return;
          out += '250 2.1.5 Ok\r\n';
          return;
        case 'DATA':
          if (dropsAt('data') || refusesAt('data')) return;
          out += '354 End data with <CR><LF>.<CR><LF>\r\n';
          mode = 'data';
          return;
        case 'BDAT': {
          const m = /^BDAT (\d+)( LAST)?$/i.exec(line);
          if (!m) {
            out += '501 5.5.4 Syntax: BDAT <size> [LAST]\r\n';
            return;
          }
          // The first chunk stands where DATA would.
          if (tx && tx.chunks.length === 0 && (dropsAt('data') || refusesAt('data'))) return;
          bdat = { remaining: Number(m[1]), last: m[2] !== undefined };
          mode = 'bdat';
          return;
        }
        case 'RSET':
          tx = undefined;
          out += '250 2.0.0 Ok\r\n';
          return;
        case 'NOOP':
          out += '250 2.0.0 Ok\r\n';
          return;
        case 'QUIT':
          out += '221 2.0.0 Bye\r\n';
          flush();
          done = true;
          socket.end();
          return;
        default:
          out += '502 5.5.1 Command not implemented\r\n';
      }
    };

    const consume = (): void => {
      while (!done) {
        if (mode === 'command') {
          const eol = input.indexOf(CRLF);
          if (eol < 0) return;
          const line = input.toString('latin1', 0, eol);
          input = input.subarray(eol + 2);
          command(line);
        } else if (mode === 'data') {
          if (input.length > 0 && dropsAt('body')) return;
          const end = input.subarray(0, 3).equals(Buffer.from('.\r\n')) ? -2 : input.indexOf(END_OF_DATA);
          if (end === -1) return;
          const body = end === -2 ? Buffer.alloc(0) : input.subarray(0, end + 2);
          input = input.subarray(end === -2 ? 3 : end + 5);
          endOfMessage(body);
        } else {
          if (input.length > 0 && bdat.last && dropsAt('body')) return;
          const take = Math.min(bdat.remaining, input.length);
          tx?.chunks.push(input.subarray(0, take));
          input = input.subarray(take);
          bdat.remaining -= take;
          if (bdat.remaining > 0) return;
          if (!bdat.last) {
            out += '250 2.0.0 Chunk received\r\n';
            mode = 'command';
            continue;
          }
          endOfMessage(Buffer.concat(tx?.chunks ?? []));
        }
      }
    };

    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      input = input.length === 0 ? chunk : Buffer.concat([input, chunk]);
      consume();
      if (!done) flush();
    });

    if (drop?.at === 'greeting') {
      dropNow('greeting');
      return;
    }
    socket.write('220 fault.test ESMTP ready\r\n');
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    stats,
    copies,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
