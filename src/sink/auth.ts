/**
 * Server side of AUTH PLAIN (RFC 4616) and AUTH LOGIN (the de-facto draft), as used by RFC 4954.
 * Each step gets the client's line and returns the reply plus, while the exchange goes on, the next step.
 * Credentials are compared in constant time; nothing secret ever ends up in a reply.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { R } from './replies.js';

export interface Credentials {
  readonly user: string;
  readonly pass: string;
}

export interface AuthProgress {
  /** Complete reply line(s) to send. */
  reply: string;
  /** Present while the exchange continues: feed it the client's next line. */
  next?: (line: string) => AuthProgress;
  /** Present when authentication succeeded. */
  user?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const USERNAME_CHALLENGE = `334 ${Buffer.from('Username:').toString('base64')}\r\n`;
const PASSWORD_CHALLENGE = `334 ${Buffer.from('Password:').toString('base64')}\r\n`;

/** Strict base64 (RFC 4954 says '=' alone is an empty initial response). undefined when malformed. */
function decode(text: string): Buffer | undefined {
  if (text === '=') return Buffer.alloc(0);
  if (!BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

function same(given: Buffer, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function verdict(user: Buffer, pass: Buffer, creds: Credentials): AuthProgress {
  // Evaluate both comparisons so the time does not say which one failed.
  const userOk = same(user, creds.user);
  const passOk = same(pass, creds.pass);
  return userOk && passOk ? { reply: R.authOk, user: creds.user } : { reply: R.badCredentials };
}

/** Run `step` on a client response line, handling the '*' cancel and base64 errors common to both. */
function respond(line: string, step: (data: Buffer) => AuthProgress): AuthProgress {
  if (line === '*') return { reply: R.authAborted };
  const data = decode(line);
  return data === undefined ? { reply: R.badBase64 } : step(data);
}

function plain(data: Buffer, creds: Credentials): AuthProgress {
  // message = [authzid] NUL authcid NUL passwd
  const first = data.indexOf(0);
  const second = first === -1 ? -1 : data.indexOf(0, first + 1);
  if (second === -1 || data.indexOf(0, second + 1) !== -1) return { reply: R.badCredentials };
  const authzid = data.subarray(0, first);
  const authcid = data.subarray(first + 1, second);
  // Acting as another identity is not something a sink grants.
  if (authzid.length > 0 && !authzid.equals(authcid)) return { reply: R.badCredentials };
  return verdict(authcid, data.subarray(second + 1), creds);
}

function loginPassword(user: Buffer, creds: Credentials): AuthProgress {
  return {
    reply: PASSWORD_CHALLENGE,
    next: (line) => respond(line, (pass) => verdict(user, pass, creds)),
  };
}

/** `args` is everything after "AUTH ": the mechanism and an optional initial response. */
export function startAuth(args: string, creds: Credentials): AuthProgress {
  const parts = args.split(' ');
  if (parts.length > 2 || parts[0] === '') return { reply: R.syntax };
  const mechanism = (parts[0] as string).toUpperCase();
  const initial = parts[1];
  if (mechanism === 'PLAIN') {
    if (initial !== undefined) return respond(initial, (data) => plain(data, creds));
    return { reply: '334 \r\n', next: (line) => respond(line, (data) => plain(data, creds)) };
  }
  if (mechanism === 'LOGIN') {
    if (initial !== undefined) return respond(initial, (user) => loginPassword(user, creds));
    return { reply: USERNAME_CHALLENGE, next: (line) => respond(line, (user) => loginPassword(user, creds)) };
  }
  return { reply: R.unknownMechanism };
}
