/**
 * A caller's body stream that stops giving data must not hold a send forever: an abort, the session
 * breaking, or dataMs without a chunk ends it with delivery 'none' (the final dot was never written), on the
 * DATA path (smtp-server: no CHUNKING) and the BDAT path (mailwire's sink: CHUNKING).
 */
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, SmtpError, startSink, type SmtpTransport } from '../../src/index.js';
import { startSmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { within } from '../helpers/within.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** A body that sends its header and a line, then nothing more, ever. */
function stalledBody(): PassThrough {
  const body = new PassThrough();
  body.write('Subject: stalled\r\n\r\nfirst line\r\n');
  return body;
}

async function target(path: 'DATA' | 'BDAT'): Promise<number> {
  if (path === 'DATA') {
    const peer = await startSmtpServerPeer({ noStartTls: true });
    cleanups.push(() => peer.close());
    return peer.port;
  }
  const sink = await startSink({ discard: true });
  cleanups.push(() => sink.close());
  return sink.port;
}

function transport(port: number, dataMs = 60_000): SmtpTransport {
  const t = createTransport({ host: '127.0.0.1', port, security: 'none', retry: { attempts: 1 }, timeouts: { dataMs } });
  cleanups.push(() => within(t.close(), 2_000));
  return t;
}

const envelope = { from: 'a@example.com', to: ['b@example.com'] };

async function failure(p: Promise<unknown>): Promise<SmtpError> {
  const outcome = await within(p.then(() => 'resolved', (e: unknown) => e), 5_000);
  if (!SmtpError.is(outcome)) throw new Error(`expected an SmtpError, got ${String(outcome)}`);
  return outcome;
}

describe.each(['DATA', 'BDAT'] as const)('a stalled body stream (%s)', (path) => {
  it('an abort settles the send at once: EABORT, delivery none', async () => {
    const t = transport(await target(path));
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const error = await failure(t.sendRaw(envelope, stalledBody(), { signal: abort.signal }));
    expect([error.code, error.delivery]).toEqual(['EABORT', 'none']);
  });

  it('dataMs without a chunk ends it: ETIMEDOUT, delivery none, and the transport still sends', async () => {
    const t = transport(await target(path), 300);
    const error = await failure(t.sendRaw(envelope, stalledBody()));
    expect([error.code, error.delivery]).toEqual(['ETIMEDOUT', 'none']);
    await expect(t.sendRaw(envelope, 'Subject: next\r\n\r\nok\r\n')).resolves.toMatchObject({ accepted: ['b@example.com'] });
  });
});

it('the session breaking under a stalled body settles the send (ECONNECTION, delivery none)', async () => {
  // Accepts the envelope and DATA, then closes while the body is still being read.
  const server = net.createServer((socket) => {
    socket.write('220 x\r\n');
    socket.on('data', (d) => {
      for (const line of d.toString().split('\r\n').filter(Boolean)) {
        if (/^EHLO/i.test(line)) socket.write('250-x\r\n250 PIPELINING\r\n');
        else if (/^DATA/i.test(line)) {
          socket.write('354 go\r\n');
          setTimeout(() => socket.destroy(), 100);
        } else if (/^(MAIL|RCPT)/i.test(line)) socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  const t = transport((server.address() as net.AddressInfo).port);
  const error = await failure(t.sendRaw(envelope, stalledBody()));
  expect(error.delivery).toBe('none');
  expect(['ECONNECTION', 'EMESSAGE']).toContain(error.code);
});
