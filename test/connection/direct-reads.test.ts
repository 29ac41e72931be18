/**
 * Plain TCP sockets from the default connector are read through node:net's `onread` buffer, not 'data'
 * (src/tls/direct-reads.ts). These tests hold the parts that path could get wrong: bytes that arrive before
 * the reply channel exists, a read buffer that the next read overwrites, a detached channel, the end of the
 * stream, and replies nobody asked for (which the transcript must still show).
 */
import net from 'node:net';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConnector } from '../../src/tls/connector.js';
import { connectWithDirectReads, setReadSink } from '../../src/tls/direct-reads.js';
import { ReplyChannel } from '../../src/connection/reply-channel.js';
import type { Reply } from '../../src/protocol/reply.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

/** A loopback server that hands each accepted socket to `onSocket`. */
async function server(onSocket: (socket: net.Socket) => void): Promise<number> {
  const srv = net.createServer(onSocket);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  cleanups.push(() => srv.close());
  return (srv.address() as net.AddressInfo).port;
}

async function connected(port: number): Promise<net.Socket> {
  const socket = connectWithDirectReads({ host: '127.0.0.1', port });
  cleanups.push(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

const texts = (replies: Reply[]): string[] => replies.map((r) => `${r.code} ${r.lines.join('|')}`);

describe('direct reads (onread) on plain TCP sockets', () => {
  it('the default connector opens such a socket; a stream from anyone else is read through data', async () => {
    const port = await server((s) => s.end());
    const { stream } = await defaultConnector({ host: '127.0.0.1', port, implicitTls: false, tls: {}, timeoutMs: 2_000 });
    cleanups.push(() => stream.destroy());
    expect(setReadSink(stream, () => undefined)).toBe(true);
    expect(setReadSink(new PassThrough(), () => undefined)).toBe(false);
    expect(setReadSink(undefined, () => undefined)).toBe(false);
  });

  it('bytes that arrive before a sink is set are kept and delivered first, in order, after the caller has set up', async () => {
    const port = await server((s) => s.write('220 early\r\n'));
    const socket = await connected(port);
    // Let the greeting arrive with nobody listening.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const seen: string[] = [];
    expect(setReadSink(socket, (chunk) => seen.push(chunk.toString()))).toBe(true);
    // Not during setReadSink itself: the channel declares the replies it expects right after attaching.
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual(['220 early\r\n']);
  });

  it('a server that answered and hung up before the channel existed: the greeting is read, then the close is reported at once', async () => {
    const port = await server((s) => s.end('220 hi\r\n'));
    const socket = await connected(port);
    await once(socket, 'close'); // everything happened before anyone listened
    const channel = new ReplyChannel(socket);
    channel.expect(1);
    expect(texts([await channel.read('greeting', 2_000)])).toEqual(['220 hi']);
    const started = performance.now();
    const error = await channel.read('ehlo', 5_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNECTION' });
    expect(performance.now() - started).toBeLessThan(1_000); // not the 5 s reply timeout
  });

  it('a server that floods before anyone reads loses the connection instead of filling memory', async () => {
    const port = await server((s) => s.on('error', () => undefined).write(Buffer.alloc(200 * 1024, 0x41)));
    const socket = await connected(port);
    const [error] = (await once(socket, 'error')) as [Error];
    expect(error.message).toMatch(/before the session read any/);
    expect(socket.destroyed).toBe(true);
    const seen: Buffer[] = [];
    setReadSink(socket, (chunk) => seen.push(Buffer.from(chunk)));
    await Promise.resolve();
    expect(seen).toEqual([]);
  });

  it('replies split across reads come out whole although each read overwrites the same buffer', async () => {
    let peer!: net.Socket;
    const port = await server((s) => (peer = s));
    const socket = await connected(port);
    const channel = new ReplyChannel(socket);
    channel.expect(3);
    // Each piece is a separate read into the one buffer; the parser must have copied the earlier halves.
    for (const piece of ['220-first li', 'ne\r\n220 sec', 'ond\r\n250 ', 'ok\r\n']) {
      peer.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const replies = [await channel.read('greeting', 2_000), await channel.read('ehlo', 2_000)];
    expect(texts(replies)).toEqual(['220 first line|second', '250 ok']);
  });

  it('a detached channel gets nothing more; the end of the stream still reaches whoever listens', async () => {
    let peer!: net.Socket;
    const port = await server((s) => (peer = s));
    const socket = await connected(port);
    const seen: string[] = [];
    setReadSink(socket, (chunk) => seen.push(chunk.toString()));
    peer.write('220 one\r\n');
    await new Promise((resolve) => setTimeout(resolve, 30));
    setReadSink(socket, undefined);
    peer.end('250 two\r\n');
    await once(socket, 'end');
    expect(seen).toEqual(['220 one\r\n']);
  });

  it('a reply nobody asked for breaks the channel and is still transcribed', async () => {
    let peer!: net.Socket;
    const port = await server((s) => (peer = s));
    const socket = await connected(port);
    const transcribed: string[] = [];
    const channel = new ReplyChannel(socket, { onReply: (reply) => transcribed.push(`${reply.code} ${reply.lines.join('|')}`) });
    peer.write('250 nobody asked\r\n');
    await once(socket, 'close');
    expect(channel.broken?.code).toBe('EPROTOCOL');
    expect(transcribed).toEqual(['250 nobody asked']);
  });
});
