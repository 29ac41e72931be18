/**
 * sendRaw takes what a caller has (issue 14): a stream that yields something other than bytes fails the
 * send with a typed error instead of crashing the process or resolving as delivered.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, SmtpConnection, type TransportConfig } from '../../src/index.js';
import { rejection as failure } from '../helpers/expect-error.js';
import { recordingConnector, startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';

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

/** A connector that counts connection attempts and never connects: validation must come first. */
function countingConnector(): { connector: NonNullable<TransportConfig['connector']>; calls: () => number } {
  let calls = 0;
  return {
    connector: async () => {
      calls += 1;
      throw new Error('must not connect');
    },
    calls: () => calls,
  };
}

describe('sendRaw checks its input before any connection', () => {
  const ok = { from: 'a@example.com', to: ['b@example.com'] };
  const body = 'Subject: x\r\n\r\nhello\r\n';
  it.each<[string, unknown, unknown, RegExp]>([
    ['an undefined envelope', undefined, body, /^envelope:/],
    ['envelope.to as a string', { from: 'a@example.com', to: 'b@example.com' }, body, /^envelope\.to: .*a string/],
    ['an empty envelope.to', { from: 'a@example.com', to: [] }, body, /^envelope\.to:/],
    ['a number in envelope.to', { from: 'a@example.com', to: ['b@example.com', 5] }, body, /^envelope\.to\[1\]/],
    ['a bad recipient', { from: 'a@example.com', to: ['b@example.com', 'x y@example.com'] }, body, /^envelope\.to\[1\]/],
    ['a CRLF in the sender', { from: 'a@example.com\r\nRCPT TO:<x@y.test>', to: ['b@example.com'] }, body, /^envelope\.from/],
    ['an undefined body', ok, undefined, /^body: .*undefined/],
    ['a number body', ok, 42, /^body: .*number/],
    ['an object body', ok, {}, /^body: .*object/],
    ['a NUL byte', ok, 'Subject: x\r\n\r\nnul\0here\r\n', /^body: .*NUL/],
    ['a line of 999 octets', ok, `Subject: x\r\n\r\n${'a'.repeat(999)}\r\n`, /^body: .*998/],
  ])('%s: EGUARD naming the field, no connection', async (_name, envelope, raw, message) => {
    const counting = countingConnector();
    const transport = createTransport({ host: '127.0.0.1', port: 2525, security: 'none', connector: counting.connector });
    try {
      const error = await failure(transport.sendRaw(envelope as never, raw as never));
      expect(error.code).toBe('EGUARD');
      expect(error.message).toMatch(message);
      expect(error.delivery).toBe('none');
    } finally {
      await transport.close();
    }
    expect(counting.calls()).toBe(0);
  });

  it('a line of exactly 998 octets and the null sender are fine', async () => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test' });
    try {
      await transport.sendRaw({ from: '', to: ['b@example.com'] }, `Subject: x\r\n\r\n${'a'.repeat(998)}\r\n`);
    } finally {
      await transport.close();
    }
    expect(peer.messages).toHaveLength(1);
  });

  it.each([
    ['a NUL byte', Buffer.from('nul\0here\r\n')],
    ['a 999-octet line split over chunks', Buffer.from(`${'b'.repeat(999)}\r\n`)],
  ])('a stream with %s fails as it streams: EGUARD, delivery none, never on the wire', async (_name, bad) => {
    peer = await startSmtpServerPeer({ noStartTls: true });
    const recording = recordingConnector();
    const transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test', connector: recording.connector });
    const chunks = [HEAD, Buffer.alloc(64 * 1024, 0x0a), bad.subarray(0, 500), bad.subarray(500)];
    try {
      const error = await failure(transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, Readable.from(chunks)));
      expect(error.code).toBe('EGUARD');
      expect(error.delivery).toBe('none');
      await transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, 'Subject: after\r\n\r\nafter\r\n');
    } finally {
      await transport.close();
    }
    expect(peer.messages).toHaveLength(1);
    expect(peer.messages[0]?.bytes.toString()).toMatch(/after/);
    const wire = Buffer.concat(recording.writes);
    expect(wire.includes(0)).toBe(false);
    expect(wire.includes('b'.repeat(999))).toBe(false);
    expect(wire.includes(HEAD)).toBe(true); // it had started streaming
  });
});
