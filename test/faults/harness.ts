/**
 * Shared pieces of the fault suite: a transport aimed at a scripted server with tiny retry delays and
 * short (but not flaky) timeouts, the script of a healthy session, and small assertion helpers.
 */
import { expect } from 'vitest';
import { createTransport, SmtpError, type SendInfo, type SmtpTransport, type TransportConfig } from '../../src/index.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { greetAndEhlo, type Step } from '../helpers/scripted-server.js';

export const NAME = 'client.test';
export const FAST_RETRY = { attempts: 3, minDelayMs: 1, maxDelayMs: 5 };
export const TRUST_TEST_CERT = { ca: TEST_CERTIFICATE, servername: 'localhost' };
/** PLAIN over plaintext is allowed to loopback; with TLS it is allowed anywhere. */
export const USER = { user: 'fault-user', pass: 'fault-pass-Secret9' };

const cleanups: Array<() => Promise<unknown>> = [];

/** Registers something to undo after the current test (call runCleanups from afterEach). */
export function defer(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
}

export interface Recorded {
  transport: SmtpTransport;
  /** The error of every attempt that was retried, in order. */
  retries: SmtpError[];
  opened: number;
}

/** A transport to 127.0.0.1:port that retries fast; closed after the test. */
export function faultTransport(port: number, config: Partial<TransportConfig> = {}): Recorded {
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    security: 'none',
    clientName: NAME,
    retry: FAST_RETRY,
    timeouts: { connectMs: 2_000, greetingMs: 2_000, commandMs: 2_000, dataMs: 2_000 },
    ...config,
  });
  const recorded: Recorded = { transport, retries: [], opened: 0 };
  transport.on('retry', (e) => recorded.retries.push(e.error));
  transport.on('connection:open', () => (recorded.opened += 1));
  defer(() => transport.close());
  return recorded;
}

export function message(n: number): { from: string; to: string; subject: string; text: string } {
  return { from: 'a@example.com', to: 'b@example.com', subject: `fault test ${n}`, text: `body of message ${n}\n.leading dot\n` };
}

/** Over the transport's in-memory limit (1 MiB composed): such a message is streamed, not sent in one flight. */
const LARGE_ATTACHMENT = Buffer.alloc(900 * 1024, 0x5a);

/**
 * Sends message n the way `mode` needs. A small composed message goes to a CHUNKING server in one flight,
 * so 'chunking' (envelope first, then a streamed BDAT) needs one over 1 MiB; 'oneflight' uses sendRaw.
 */
export function sendIn(mode: Mode, transport: SmtpTransport, n: number): Promise<SendInfo> {
  if (mode === 'chunking') return transport.send({ ...message(n), attachments: [{ filename: 'big.bin', content: LARGE_ATTACHMENT }] });
  if (mode !== 'oneflight') return transport.send(message(n));
  const id = `<raw-${n}-${Date.now()}@example.com>`;
  const raw = `From: a@example.com\r\nTo: b@example.com\r\nSubject: raw ${n}\r\nMessage-ID: ${id}\r\n\r\nbody ${n}\r\n`;
  return transport.sendRaw({ from: 'a@example.com', to: ['b@example.com'] }, raw).then((info) => ({ ...info, messageId: id }));
}

/** The rejection of a promise that must fail, checked to be an SmtpError. */
export async function failureOf(promise: Promise<unknown>): Promise<SmtpError> {
  try {
    await promise;
  } catch (error) {
    expect(SmtpError.is(error), String(error)).toBe(true);
    return error as SmtpError;
  }
  throw new Error('expected the send to fail, but it resolved');
}

export interface SessionShape {
  /** EHLO keywords offered (after TLS when `tls` is set). */
  caps?: string[];
  /** Offer STARTTLS and upgrade with the bundled test certificate before anything else. */
  tls?: boolean;
  /** Expect AUTH PLAIN (the EHLO after TLS offers it). */
  auth?: boolean;
}

/** Greeting, EHLO, and (as the shape says) STARTTLS, the second EHLO and AUTH. */
export function opening(shape: SessionShape = {}): Step[] {
  const caps = [...(shape.caps ?? ['PIPELINING']), ...(shape.auth ? ['AUTH PLAIN LOGIN'] : [])];
  const steps: Step[] = shape.tls
    ? [
        ...greetAndEhlo(NAME, ['PIPELINING', 'STARTTLS']),
        { c: 'STARTTLS' },
        { s: '220 2.0.0 go ahead' },
        { tls: true },
        { c: `EHLO ${NAME}` },
        ...['mx.test', ...caps].map((line, i, all) => ({ s: `250${i === all.length - 1 ? ' ' : '-'}${line}` })),
      ]
    : greetAndEhlo(NAME, caps);
  if (shape.auth) steps.push({ c: /^AUTH PLAIN [A-Za-z0-9+/=]+$/ }, { s: '235 2.7.0 ok' });
  return steps;
}

/**
 * How the client runs a transaction, which follows from the EHLO keywords and the body:
 *   pipelined  PIPELINING: MAIL, RCPT, DATA in one write, then the body after 354
 *   chunking   PIPELINING + CHUNKING and a large body: MAIL and RCPT in one write, then BDAT n LAST with the body
 *   oneflight  PIPELINING + CHUNKING and a small body: MAIL, RCPT, BDAT LAST and the body in one write
 *   lockstep   neither: one command, one reply
 */
export type Mode = 'pipelined' | 'chunking' | 'oneflight' | 'lockstep';
export type Point = 'mail' | 'rcpt' | 'data' | 'end';

export const CAPS: Record<Mode, string[]> = {
  pipelined: ['PIPELINING'],
  chunking: ['PIPELINING', 'CHUNKING'],
  oneflight: ['PIPELINING', 'CHUNKING'],
  lockstep: [],
};

/** Points at which a server can answer something other than success, per mode (BDAT has no DATA step). */
export function pointsOf(mode: Mode): Point[] {
  return mode === 'chunking' || mode === 'oneflight' ? ['mail', 'rcpt', 'end'] : ['mail', 'rcpt', 'data', 'end'];
}

/**
 * The server side of one transaction. With `fail`, those steps (e.g. 421 + close) replace the reply at
 * `at` and the script stops there; with `id`, everything is accepted and the final reply names the id.
 */
export function transaction(mode: Mode, outcome: { at: Point; fail: Step[] } | { id: string }): Step[] {
  const at = 'at' in outcome ? outcome.at : undefined;
  const fail = 'fail' in outcome ? outcome.fail : [];
  const final = 'id' in outcome ? `250 2.0.0 queued as ${outcome.id}` : '250 2.0.0 queued';
  const ok: Record<Point, string> = { mail: '250 2.1.0 ok', rcpt: '250 2.1.5 ok', data: '354 go ahead', end: final };
  const mail: Step = { c: /^MAIL FROM:<a@example\.com>/ };
  const rcpt: Step = { c: 'RCPT TO:<b@example.com>' };
  const steps: Step[] = [];
  // Replies in order until the failing one; returns false when the script stops there.
  const replies = (...points: Point[]): boolean => {
    for (const point of points) {
      if (point === at) {
        steps.push(...fail);
        return false;
      }
      steps.push({ s: ok[point] });
    }
    return true;
  };
  switch (mode) {
    case 'pipelined':
      steps.push(mail, rcpt, { c: 'DATA' });
      if (replies('mail', 'rcpt', 'data')) {
        steps.push({ data: true });
        replies('end');
      }
      break;
    case 'chunking':
      steps.push(mail, rcpt);
      if (replies('mail', 'rcpt')) {
        steps.push({ bdatChunk: true });
        replies('end');
      }
      break;
    case 'oneflight':
      steps.push(mail, rcpt, { bdatChunk: true });
      replies('mail', 'rcpt', 'end');
      break;
    case 'lockstep':
      steps.push(mail);
      if (!replies('mail')) break;
      steps.push(rcpt);
      if (!replies('rcpt')) break;
      steps.push({ c: 'DATA' });
      if (!replies('data')) break;
      steps.push({ data: true });
      replies('end');
      break;
  }
  return steps;
}

/** One pipelined MAIL/RCPT/DATA transaction the server accepts. */
export function acceptMessage(id = 'Q1', mode: Mode = 'pipelined'): Step[] {
  return transaction(mode, { id });
}

/** A whole healthy session: the opening, `messages` accepted transactions, and QUIT. */
export function healthySession(shape: SessionShape = {}, messages = 1, mode: Mode = 'pipelined'): Step[] {
  const steps = opening({ ...shape, caps: shape.caps ?? CAPS[mode] });
  for (let i = 0; i < messages; i++) steps.push(...acceptMessage(`H${i + 1}`, mode));
  steps.push({ c: 'QUIT' }, { s: '221 2.0.0 bye' });
  return steps;
}

/** Message-IDs found in the bodies a scripted server received. */
export function messageIds(bodies: Buffer[]): string[] {
  return bodies.map((b) => /^Message-ID: (<[^>]+>)/im.exec(b.toString('latin1'))?.[1] ?? '?');
}
