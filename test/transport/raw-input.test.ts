/**
 * sendRaw takes what a caller has (issue 14): a stream that yields something other than bytes fails the
 * send with a typed error instead of crashing the process or resolving as delivered.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, SmtpConnection } from '../../src/index.js';
import { rejection as failure } from '../helpers/expect-error.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';

let peer: SmtpServerPeer | undefined;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => void uncaught.push(error);
afterEach(async () => {
  process.off('uncaughtException', onUncaught);
  uncaught.length = 0;
  await peer?.close();
  peer = undefined;
});

const HEAD = Buffer.from('Subject: raw\r\n\r\nfirst line\r\n');

describe('a raw body stream that yields something other than bytes', () => {
  it.each([
    ['a number', 42],
    ['an object', { not: 'bytes' }],
  ])('sendRaw with %s: EMESSAGE, delivery none, no crash, nothing delivered; the next send works', async (_name, bad) => {
    process.on('uncaughtException', onUncaught);
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test' });
    try {
      const error = await failure(transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, Readable.from([HEAD, bad, Buffer.from('more\r\n')])));
      expect(['EMESSAGE', 'EGUARD']).toContain(error.code);
      expect(error.delivery).toBe('none');
      await transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, 'Subject: after\r\n\r\nafter\r\n');
    } finally {
      await transport.close();
    }
    expect(uncaught).toEqual([]);
    expect(peer.messages).toHaveLength(1);
    expect(peer.messages[0]?.bytes.toString()).toMatch(/after/);
  });

  it('text chunks of an object-mode stream are sent as UTF-8', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test' });
    try {
      await transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, Readable.from(['Subject: t\r\n\r\n', 'caf\u00e9\r\n']));
    } finally {
      await transport.close();
    }
    expect(peer.messages[0]?.bytes.toString('utf8')).toMatch(/café/);
  });

  it('SmtpConnection.send with a number chunk: EMESSAGE before the end of data', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const conn = new SmtpConnection({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test' });
    await conn.open();
    try {
      const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, Readable.from([HEAD, 7])));
      expect(error.code).toBe('EMESSAGE');
      expect(error.delivery).toBe('none');
    } finally {
      conn.close();
    }
    expect(peer.messages).toHaveLength(0);
  });
});
