/**
 * Reads a caller's streamed body so that a send cannot wait on it forever. A stream that yields nothing
 * for `idleMs`, an abort, or the session breaking under it ends the read: the stream is destroyed (an
 * async generator's return() would wait behind the pending read, which may never finish), and the read
 * fails with the reason. Bodies already in memory do not come here.
 *
 * Each read gets a promise of its own rather than a race against one long-lived "stopped" promise: every
 * race would leave a reaction on that promise holding its chunk until the body ends.
 */
import { subscribeAbort, type AbortSubscription } from '../abort/fanout.js';
import { SmtpError } from '../errors.js';
import type { BodyInfo } from './body-source.js';
import type { ReplyChannel } from './reply-channel.js';

export async function* readBody(info: BodyInfo, channel: ReplyChannel, signal: AbortSignal | undefined, idleMs: number): AsyncGenerator<Uint8Array> {
  const chunks = info.chunks()[Symbol.asyncIterator]();
  let stoppedBy: SmtpError | undefined;
  let failRead: ((error: SmtpError) => void) | undefined;
  const stop = (error: SmtpError): void => {
    if (stoppedBy) return;
    stoppedBy = error;
    info.destroy?.(error);
    failRead?.(error);
  };
  const offBreak = channel.onBreak(stop);
  const onAbort = (): void => stop(new SmtpError('EABORT', 'The send was aborted while its message was being read', { phase: 'data', transient: false }));
  let subscription: AbortSubscription | undefined;
  if (signal?.aborted) onAbort();
  else if (signal) subscription = subscribeAbort(signal, onAbort);
  const idle = (): void => stop(new SmtpError('ETIMEDOUT', `The message body gave nothing to send for ${idleMs} ms`, { phase: 'data', transient: false }));
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      if (stoppedBy) throw stoppedBy;
      timer = setTimeout(idle, idleMs);
      const next = await new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
        failRead = reject;
        chunks.next().then(resolve, reject);
      });
      failRead = undefined;
      clearTimeout(timer);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    offBreak();
    subscription?.unsubscribe();
  }
}
