/**
 * mailwire's side of the interop tests: a transport (or a bare SmtpConnection) wired to the real servers with
 * the test CA, a transcript recorder and a record of every local port it connected from, plus readers of
 * Postfix's log that find one session by that port. The harness (harness.ts) knows the servers; this file
 * knows mailwire.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import PostalMime from 'postal-mime';
import type { Email } from 'postal-mime';
import { expect } from 'vitest';
import {
  createTransport,
  SmtpConnection,
  SmtpError,
  type ConnectionOptions,
  type Connector,
  type SmtpTransport,
  type TranscriptEntry,
  type TransportConfig,
} from '../../src/index.js';
import { defaultConnector } from '../../src/tls/connector.js';
import type { InteropServers } from './harness.js';

export const CLIENT_NAME = 'client.test';

/** What one client did on the wire: the transcript and the local port of every connection it opened. */
export class Recorder {
  readonly transcript: TranscriptEntry[] = [];
  readonly localPorts: number[] = [];
  readonly onTranscript = (entry: TranscriptEntry): void => {
    this.transcript.push(entry);
  };
  readonly connector: Connector = async (request) => {
    const connected = await defaultConnector(request);
    const port = (connected.stream as Socket).localPort;
    if (port !== undefined) this.localPorts.push(port);
    return connected;
  };

  /** Client lines ('C'), server lines ('S') or mailwire's notes ('i'). */
  lines(dir: TranscriptEntry['dir']): string[] {
    return this.transcript.filter((e) => e.dir === dir).map((e) => e.line);
  }

  /** The transcript as "C MAIL FROM:<...>" lines, for assertion messages. */
  toString(): string {
    return this.transcript.map((e) => `${e.dir} ${e.line}`).join('\n');
  }
}

export interface InteropClient {
  transport: SmtpTransport;
  record: Recorder;
}

/** A transport to one of the servers; TLS trusts the harness CA (and only it), no retries unless asked. */
export function interopTransport(servers: InteropServers, config: Partial<TransportConfig> & { port: number }): InteropClient {
  const record = new Recorder();
  const transport = createTransport({
    host: servers.host,
    clientName: CLIENT_NAME,
    tls: { ca: servers.tls.caPem },
    retry: { attempts: 1 },
    timeouts: { connectMs: 5_000, greetingMs: 10_000, commandMs: 10_000, dataMs: 30_000 },
    onTranscript: record.onTranscript,
    connector: record.connector,
    ...config,
  });
  return { transport, record };
}

/** A bare session to one of the servers (not opened yet). */
export function interopConnection(servers: InteropServers, options: Partial<ConnectionOptions> & { port: number }): { conn: SmtpConnection; record: Recorder } {
  const record = new Recorder();
  const conn = new SmtpConnection({
    host: servers.host,
    clientName: CLIENT_NAME,
    tls: { ca: servers.tls.caPem },
    timeouts: { connectMs: 5_000, greetingMs: 10_000, commandMs: 10_000, dataMs: 30_000 },
    onTranscript: record.onTranscript,
    connector: record.connector,
    ...options,
  });
  return { conn, record };
}

/** Runs fn with the transport and always closes it (QUIT), even when fn throws. */
export async function withTransport<T>(client: InteropClient, fn: (transport: SmtpTransport) => Promise<T>): Promise<T> {
  try {
    return await fn(client.transport);
  } finally {
    await client.transport.close();
  }
}

/** The SmtpError a promise rejects with (fails the test when it resolves or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<SmtpError> {
  try {
    await promise;
  } catch (error) {
    expect(SmtpError.is(error), `expected an SmtpError, got ${inspect(error)}`).toBe(true);
    return error as SmtpError;
  }
  throw new Error('expected the promise to reject with an SmtpError, but it resolved');
}

/** Every representation of an error a user might log, so a secret cannot hide in any of them. */
export function expectNoSecret(error: SmtpError, secrets: string[]): void {
  const shown = [error.message, error.response ?? '', error.command ?? '', JSON.stringify(error), String(error.stack), inspect(error, { depth: 5 })].join('\n');
  for (const secret of secrets) {
    for (const form of [secret, Buffer.from(secret).toString('base64')]) expect(shown).not.toContain(form);
  }
}

/** The secrets of a PLAIN or LOGIN exchange: the password and the whole PLAIN initial response. */
export function authSecrets(user: string, pass: string): string[] {
  return [pass, `\0${user}\0${pass}`];
}

/** LF -> CRLF: undoes what Postfix did to a message sent with CRLF line ends. */
export function withCrlf(data: Buffer): Buffer {
  return Buffer.from(data.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
}

export function sha256(data: ArrayBuffer | Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data instanceof Uint8Array ? data : new Uint8Array(data);
  return createHash('sha256').update(bytes).digest('hex');
}

export function parseMail(raw: Buffer): Promise<Email> {
  return PostalMime.parse(raw);
}

/** The Postfix queue id in a "250 2.0.0 Ok: 262 bytes queued as 6A99220DFCD" reply. */
export function queueId(response: string): string {
  const id = /queued as ([0-9A-F]+)/.exec(response)?.[1];
  if (id === undefined) throw new Error(`no queue id in "${response}"`);
  return id;
}

// ---- Postfix's log ----

function postfixLog(servers: InteropServers): string {
  return join(servers.logs, 'postfix.log');
}

/** Where postfix.log ends now: later waits read only what was logged after this point. */
export function postfixLogMark(servers: InteropServers): number {
  return statSync(postfixLog(servers)).size;
}

/** Waits (postlogd writes asynchronously) for a line logged after `mark` that matches. */
export async function waitForPostfixLog(servers: InteropServers, pattern: RegExp, mark: number, timeoutMs = 10_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(postfixLog(servers)).subarray(mark).toString('utf8');
    for (const line of text.split('\n')) {
      const m = pattern.exec(line);
      if (m) return m;
    }
    if (Date.now() >= deadline) throw new Error(`no line matching ${pattern} in ${postfixLog(servers)} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Postfix's own summary of the session that came from our local port, written when it ends:
 * "disconnect from unknown[127.0.0.1]:PORT ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 bdat=1 quit=1 commands=8"
 * -> { ehlo: '2', starttls: '1', auth: '1', ... }. A failed command reads "auth=0/1". Needs
 * smtpd_client_port_logging (servers-up.sh sets it).
 */
export async function postfixSession(servers: InteropServers, localPort: number, mark: number): Promise<Record<string, string>> {
  const m = await waitForPostfixLog(servers, new RegExp(`smtpd\\[\\d+\\]: disconnect from \\S+\\[127\\.0\\.0\\.1\\]:${localPort} (.*)$`), mark);
  return Object.fromEntries((m[1] ?? '').trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]));
}
