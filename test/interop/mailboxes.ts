/**
 * Reading back what the interop servers stored: Postfix's Maildir (one file per recipient) and
 * aiosmtpd's captures (exact bytes + JSON envelope). Re-exported by harness.ts; import from there.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InteropServers } from './harness.js';

/** CRLF -> LF: what Postfix stores for a message sent with CRLF line ends. */
export function withLf(data: Buffer | string): Buffer {
  return Buffer.from(Buffer.from(data).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}

/** A match is a token that must occur in what the server stored (message, trace headers or envelope),
 * or a predicate on the message bytes. */
export type MessageMatch = string | ((message: Buffer) => boolean);

export interface WaitOptions {
  /** how many matching messages to wait for (default 1); all matches found are returned */
  readonly count?: number;
  /** default 15 000 */
  readonly timeoutMs?: number;
}

/** One file Postfix delivered: one recipient's copy. */
export interface PostfixDelivery {
  readonly file: string;
  /** the file as Postfix wrote it: trace headers, then the message, every CRLF stored as LF */
  readonly raw: Buffer;
  readonly returnPath: string | undefined;
  readonly originalTo: string | undefined;
  readonly deliveredTo: string | undefined;
  /** the Received header Postfix added, folded lines kept */
  readonly received: string;
  /** the client's message as stored: raw minus the trace headers Postfix prepended (LF line ends) */
  readonly message: Buffer;
}

/** Splits a Postfix Maildir file into the trace headers Postfix prepended and the client's message. */
export function parsePostfixDelivery(file: string, raw: Buffer): PostfixDelivery {
  const trace: Record<string, string> = {};
  let pos = 0;
  let received: string | undefined;
  while (received === undefined) {
    let end = raw.indexOf(0x0a, pos);
    const line = raw.toString('utf8', pos, end < 0 ? raw.length : end);
    const m = /^(Return-Path|X-Original-To|Delivered-To|Received): ?(.*)$/.exec(line);
    if (!m || end < 0) throw new Error(`${file} does not start with Postfix's trace headers`);
    if (m[1] === 'Received') {
      // Only Postfix's own Received header is trace: the message's own headers start after it.
      while (end >= 0 && (raw[end + 1] === 0x20 || raw[end + 1] === 0x09)) end = raw.indexOf(0x0a, end + 1);
      if (end < 0) throw new Error(`${file} ends inside Postfix's Received header`);
      received = raw.toString('utf8', pos, end);
    } else {
      trace[m[1] as string] = m[2] as string;
    }
    pos = end + 1;
  }
  return {
    file,
    raw,
    returnPath: trace['Return-Path'],
    originalTo: trace['X-Original-To'],
    deliveredTo: trace['Delivered-To'],
    received,
    message: raw.subarray(pos),
  };
}

/** Waits for Postfix to deliver `count` files that match, and returns every match found. */
export async function waitForPostfix(
  servers: InteropServers,
  match: MessageMatch,
  options: WaitOptions = {},
): Promise<PostfixDelivery[]> {
  const dir = join(servers.maildir.postfix, 'new');
  return poll(servers, `Postfix deliveries in ${dir}`, match, options, () => listFiles(dir), (name) => {
    const d = parsePostfixDelivery(join(dir, name), readFileSync(join(dir, name)));
    return { item: d, message: d.message, stored: d.raw };
  });
}

/** What aiosmtpd recorded about one transaction (see aiosmtpd-server.py). */
export interface AiosmtpdEnvelope {
  readonly listener: 'plain' | 'tls';
  readonly port: number;
  readonly helo: string | null;
  readonly tls: boolean;
  readonly tlsVersion: string | null;
  readonly authUser: string | null;
  readonly authMechanism: string | null;
  readonly mailFrom: string;
  /** MAIL FROM parameters as sent, e.g. ['SIZE=123', 'BODY=8BITMIME'] */
  readonly mailOptions: readonly string[];
  readonly rcpts: readonly { readonly address: string; readonly options: readonly string[] }[];
  readonly smtputf8: boolean;
  readonly size: number;
  /** seconds since the epoch */
  readonly receivedAt: number;
}

export interface AiosmtpdCapture {
  readonly name: string;
  /** the .eml file: the exact bytes received after dot-unstuffing, CRLF kept */
  readonly file: string;
  readonly envelopeFile: string;
  readonly data: Buffer;
  readonly envelope: AiosmtpdEnvelope;
}

/** Waits for aiosmtpd (either listener) to capture `count` messages that match; returns every match. */
export async function waitForAiosmtpd(
  servers: InteropServers,
  match: MessageMatch,
  options: WaitOptions = {},
): Promise<AiosmtpdCapture[]> {
  const dir = servers.maildir.aiosmtpd;
  const names = () => listFiles(dir).flatMap((f) => (f.endsWith('.json') ? [f.slice(0, -'.json'.length)] : []));
  return poll(servers, `aiosmtpd captures in ${dir}`, match, options, names, (name) => {
    // The .json is renamed into place after the .eml is complete (see aiosmtpd-server.py).
    const json = readFileSync(join(dir, `${name}.json`));
    const data = readFileSync(join(dir, `${name}.eml`));
    const envelope = JSON.parse(json.toString('utf8')) as AiosmtpdEnvelope;
    const item = { name, file: join(dir, `${name}.eml`), envelopeFile: join(dir, `${name}.json`), data, envelope };
    return { item, message: data, stored: Buffer.concat([json, data]) };
  });
}

/** Deletes delivered files (and aiosmtpd's envelope files), so the mailboxes stay small. */
export function removeMessages(items: readonly (PostfixDelivery | AiosmtpdCapture)[]): void {
  for (const item of items) {
    rmSync(item.file, { force: true });
    if ('envelopeFile' in item) rmSync(item.envelopeFile, { force: true });
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort();
}

interface Candidate<T> {
  readonly item: T;
  readonly message: Buffer;
  /** everything stored for the message, searched for a string token */
  readonly stored: Buffer;
}

async function poll<T>(
  servers: InteropServers,
  what: string,
  match: MessageMatch,
  options: WaitOptions,
  list: () => string[],
  read: (name: string) => Candidate<T>,
): Promise<T[]> {
  const count = options.count ?? 1;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const test = (c: Candidate<T>): boolean =>
    typeof match === 'string' ? c.stored.includes(match) : match(c.message);
  // Stored files never change once visible, so each is read and tested once per wait.
  const seen = new Map<string, T | null>();
  for (;;) {
    for (const name of list()) {
      if (seen.has(name)) continue;
      let c: Candidate<T>;
      try {
        c = read(name);
      } catch (err) {
        // Another test may remove its messages between our listing and our read.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      seen.set(name, test(c) ? c.item : null);
    }
    const found = [...seen.values()].filter((x): x is T => x !== null);
    if (found.length >= count) return found;
    if (Date.now() >= deadline) {
      const label = typeof match === 'string' ? `containing "${match}"` : 'matching the predicate';
      throw new Error(
        `expected ${count} ${what} ${label}, found ${found.length} after ${timeoutMs} ms ` +
          `(server logs: ${servers.logs})`,
      );
    }
    await sleep(50);
  }
}
