/**
 * DKIM for send(): signs a composed message once, before the first attempt, so every retry sends the
 * same bytes (same Message-ID, same signature). The body hash needs the whole body before the signature
 * can be written in front of it:
 *  - a message held in memory is hashed in place;
 *  - a message whose parts are files is read twice (a hashing pass, then the send), never held;
 *  - a message with a caller's stream is spooled once to a private temporary file while it is hashed,
 *    then sent (and resent on a retry) from the file; dispose() removes it.
 */
import { Readable } from 'node:stream';
import { SmtpError } from '../errors.js';
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import { messageBytesNow, type PreparedMessage } from '../mime/compose.js';
import { MessageHasher, signatureFields } from './message-hasher.js';
import type { DkimSigner } from './options.js';
import { createSpool, readWithHead } from './spool.js';

export interface SignedMessage {
  message: PreparedMessage;
  /** Removes the temporary file, if there is one. Call once the send has settled. */
  dispose(): Promise<void>;
}

export async function signPrepared(prepared: PreparedMessage, signers: readonly DkimSigner[], signal?: AbortSignal): Promise<SignedMessage> {
  const now = messageBytesNow(prepared);
  if (now !== undefined) {
    const signed = Buffer.concat([Buffer.from(signatureFields(now, signers), 'latin1'), now]);
    return { message: withBytes(prepared, signed), dispose: nothing };
  }
  if (prepared.replayable) {
    const hasher = new MessageHasher(signers);
    await readAll(prepared.open(), signal, (chunk) => hasher.push(chunk));
    const head = Buffer.from(hasher.end(), 'latin1');
    return { message: wrap(prepared, prepared.size === undefined ? undefined : head.length + prepared.size, () => prefixed(head, prepared.open())), dispose: nothing };
  }
  const spool = await createSpool();
  try {
    const hasher = new MessageHasher(signers);
    await readAll(prepared.open(), signal, async (chunk) => {
      hasher.push(chunk);
      await spool.write(chunk);
    });
    await spool.close();
    const head = Buffer.from(hasher.end(), 'latin1');
    return { message: wrap(prepared, head.length + spool.size, () => readWithHead(head, spool.path)), dispose: () => spool.remove() };
  } catch (error) {
    await spool.remove();
    throw error;
  }
}

async function readAll(stream: Readable, signal: AbortSignal | undefined, each: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  if (!signal) {
    for await (const chunk of stream) await each(chunk as Buffer);
    return;
  }
  // Raced with the abort rather than ended by destroying the stream: a composed stream waiting on a caller's
  // stream that never ends cannot finish its own destruction, and the send must end anyway.
  let subscription: AbortSubscription | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    const onAbort = (): void => reject(new SmtpError('EABORT', 'The send was aborted while the message was being signed', { phase: 'compose', transient: false }));
    if (signal.aborted) onAbort();
    else subscription = subscribeAbort(signal, onAbort);
  });
  aborted.catch(() => undefined);
  const chunks = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), aborted]);
      if (next.done === true) return;
      await Promise.race([each(next.value as Buffer), aborted]);
    }
  } catch (error) {
    stream.destroy();
    throw error;
  } finally {
    subscription?.unsubscribe();
  }
}

function withBytes(prepared: PreparedMessage, signed: Buffer): PreparedMessage {
  const message = wrap(prepared, signed.length, () => prefixed(signed));
  message.toBuffer = () => Promise.resolve(signed);
  return message;
}

/** The prepared message with the signature in front. Built field by field, not spread: the composer keeps private state on its object. */
function wrap(prepared: PreparedMessage, size: number | undefined, open: () => Readable): PreparedMessage {
  const message: PreparedMessage = {
    messageId: prepared.messageId,
    envelope: prepared.envelope,
    replayable: true,
    needsSmtpUtf8: prepared.needsSmtpUtf8,
    eightBit: prepared.eightBit,
    open,
    toBuffer: async () => {
      const parts: Buffer[] = [];
      for await (const chunk of open()) parts.push(chunk as Buffer);
      return Buffer.concat(parts);
    },
  };
  if (size !== undefined) message.size = size;
  return message;
}

function prefixed(head: Buffer, rest?: Readable): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    yield head;
    if (rest) for await (const chunk of rest) yield chunk as Buffer;
  }
  return Readable.from(bytes(), { objectMode: false });
}

function nothing(): Promise<void> {
  return Promise.resolve();
}
