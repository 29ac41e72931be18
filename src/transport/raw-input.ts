/**
 * sendRaw's input, checked before anything connects: the envelope (each address through the same guard as a
 * composed message's, named by its field), the body's type, and for bytes in memory the content itself (NUL,
 * line length). A caller's mistake is EGUARD here, not EPROTOCOL after MAIL (that code is for servers).
 * Streams are checked as they stream (body.ts), before their end of data.
 */
import { Readable } from 'node:stream';
import { guardError } from '../errors.js';
import { normalizeAddress } from '../guards/address.js';
import { describeLineProblem, LineLimits } from '../protocol/line-limits.js';
import type { Envelope } from '../connection/transaction.js';

export type RawBody = string | Uint8Array | Readable;

export function checkRawEnvelope(envelope: unknown, smtpUtf8: boolean): Envelope {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw guardError('envelope: expected an object { from: string, to: string[] }');
  }
  const { from, to } = envelope as { from?: unknown; to?: unknown };
  if (typeof from !== 'string') throw guardError('envelope.from: expected a string (an address, or "" for the null sender)');
  if (from !== '') normalizeAddress(from, 'envelope.from', { smtpUtf8 });
  if (!Array.isArray(to)) throw guardError(`envelope.to: expected an array of addresses, got ${typeof to === 'string' ? 'a string' : typeof to}`);
  if (to.length === 0) throw guardError('envelope.to: at least one recipient is needed');
  to.forEach((address: unknown, i) => {
    if (typeof address !== 'string') throw guardError(`envelope.to[${i}]: expected a string`);
    normalizeAddress(address, `envelope.to[${i}]`, { smtpUtf8 });
  });
  return { from, to: [...(to as string[])] };
}

export function checkRawBody(body: unknown): RawBody {
  if (typeof body === 'string') {
    // The bytes the check needed are the ones to send: handing them on spares another conversion per attempt.
    const bytes = Buffer.from(body, 'utf8');
    return checkBytes(bytes, bytes);
  }
  if (body instanceof Uint8Array) return checkBytes(body, body);
  if (body instanceof Readable) return body;
  const kind = body === null ? 'null' : body === undefined ? 'undefined' : Array.isArray(body) ? 'an array' : typeof body;
  throw guardError(`body: expected a string, a Buffer/Uint8Array or a Readable stream, got ${kind}`);
}

function checkBytes<T extends RawBody>(bytes: Uint8Array, body: T): T {
  const problem = new LineLimits().push(bytes);
  if (problem) throw guardError(`body: ${describeLineProblem(problem)}`);
  return body;
}
