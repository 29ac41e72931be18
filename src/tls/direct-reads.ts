/**
 * Plain TCP sockets whose incoming bytes go straight to one callback (node:net's `onread` option) instead of
 * through the socket's Readable side.
 *
 * Why: an SMTP client reads a few hundred bytes of replies per message. Through the Readable side each read
 * costs a fresh 64 KiB allocation, a Buffer, push(), a 'data' event and a nextTick to read more; with
 * `onread` the bytes land in one buffer the socket keeps and the callback runs at once: less CPU per
 * message (figures: bench/README.md).
 *
 * The callback is bound when the socket is opened, before anyone reads it, so it forwards to a sink the
 * reply channel sets later (setReadSink); bytes that arrive before a sink is set are copied and kept.
 * The socket's 'end', 'close' and 'error' events still fire, but, with no Readable buffer to wait for, as
 * soon as the peer closes: a reader attached after that must check whether the stream is still open
 * (ReplyChannel does). A socket made by another connector (a test's Duplex, a TLS socket) is read through
 * 'data' as before: setReadSink returns false for it.
 */
import net from 'node:net';

/** Enough for any burst of replies a client reads at once; a longer burst simply takes several reads. */
const READ_BUFFER_BYTES = 16 * 1024;
/** What a server may send before anyone reads it (a greeting is a few hundred bytes): beyond, it is hostile. */
const EARLY_LIMIT_BYTES = 64 * 1024;

type Sink = (chunk: Buffer) => void;

interface DirectReads {
  sink: Sink | undefined;
  /** Copies of what arrived before the first sink was set (only if a connector waits before returning). */
  early: Buffer[] | undefined;
  earlyBytes: number;
  /** A sink was set once: bytes with no sink after that (a detached channel) have no reader. */
  claimed: boolean;
}

const DIRECT = Symbol('mailwire.directReads');

type DirectSocket = net.Socket & { [DIRECT]?: DirectReads };

/** net.connect with reads delivered through setReadSink. */
export function connectWithDirectReads(options: { host: string; port: number } | { path: string }): net.Socket {
  const reads: DirectReads = { sink: undefined, early: undefined, earlyBytes: 0, claimed: false };
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const socket: DirectSocket = net.connect({
    ...options,
    onread: {
      buffer,
      callback: (bytes: number, buf: Uint8Array): boolean => {
        // `buf` is reused by the next read: a sink must copy whatever it keeps (ReplyParser does).
        const chunk = Buffer.from(buf.buffer, buf.byteOffset, bytes);
        if (reads.sink !== undefined) reads.sink(chunk);
        else if (!reads.claimed) {
          reads.earlyBytes += bytes;
          if (reads.earlyBytes > EARLY_LIMIT_BYTES) {
            reads.early = undefined; // nobody will read a session that starts like this
            socket.destroy(new Error(`the server sent over ${EARLY_LIMIT_BYTES} bytes before the session read any`));
          } else (reads.early ??= []).push(Buffer.from(chunk));
        }
        return true;
      },
    },
  });
  socket[DIRECT] = reads;
  return socket;
}

/**
 * Routes the socket's reads to `sink` (undefined: to nobody), delivering what arrived early first.
 * False when the stream is not a direct-read socket: read it through 'data'.
 */
export function setReadSink(stream: unknown, sink: Sink | undefined): boolean {
  const reads = (stream as DirectSocket | null)?.[DIRECT];
  if (reads === undefined) return false;
  reads.sink = sink;
  if (sink === undefined) return true;
  reads.claimed = true;
  const early = reads.early;
  reads.early = undefined;
  // Delivered after the caller's current step, as a Readable delivers to a new 'data' listener: the caller
  // may still be declaring the replies it expects.
  if (early !== undefined) {
    queueMicrotask(() => {
      for (const chunk of early) if (reads.sink === sink) sink(chunk);
    });
  }
  return true;
}
