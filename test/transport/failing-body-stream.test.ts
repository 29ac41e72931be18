/**
 * A caller's stream that fails while the message is being sent (an attachment, or a raw body). This used to
 * crash the process: the composed message was piped into the size cap with pipe(), which left the source's
 * 'error' without a listener. Now the send fails with EMESSAGE (the message could not be read, not the
 * connection), nothing is delivered, and the transport carries on.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/transport.js';
import { rejection as failure } from '../helpers/expect-error.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';

let peer: SmtpServerPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

/** 64 KB of bytes, then an error on the next tick: the failure comes after the body has started. */
function failingStream(): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        // 64 KB in lines of 76 octets: a raw body must keep to the 998-octet line limit.
        this.push(Buffer.from(`${'a'.repeat(76)}\r\n`.repeat(840)));
        return;
      }
      setImmediate(() => this.destroy(new Error('disk gone')));
    },
  });
}

describe('a body stream that fails mid-send', () => {
  it('attachment stream: EMESSAGE, delivery none, not retried, no message kept; the next send works', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test', retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 2 } });
    const retries: unknown[] = [];
    transport.on('retry', (event) => retries.push(event));
    try {
      const error = await failure(transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'x', attachments: [{ filename: 'big.bin', content: failingStream() }] }));
      expect(error.code).toBe('EMESSAGE');
      expect(error.delivery).toBe('none');
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(/could not be read: disk gone/);
      expect(retries).toEqual([]);
      await transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'after' });
    } finally {
      await transport.close();
    }
    expect(peer.messages).toHaveLength(1);
    expect(peer.messages[0]?.bytes.toString()).toMatch(/after/);
  });

  it('sendRaw stream: the same', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test', retry: { attempts: 1 } });
    try {
      const error = await failure(transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, failingStream()));
      expect(error.code).toBe('EMESSAGE');
      expect(error.delivery).toBe('none');
    } finally {
      await transport.close();
    }
    expect(peer.messages).toEqual([]);
  });
});
