/**
 * The AUTH exchange (RFC 4954) over the reply channel: the wire side of a SASL mechanism.
 *
 * The mechanism produces raw bytes; this file base64-encodes them, reads 334 challenges, cancels with "*"
 * when the mechanism rejects a challenge, and maps the final reply. Every client line and every challenge
 * is hidden from the transcript while the exchange runs, and no error carries anything the client sent.
 */
import { SmtpError } from '../errors.js';
import * as cmd from '../protocol/commands.js';
import type { Capabilities } from '../protocol/capabilities.js';
import type { Reply } from '../protocol/reply.js';
import type { SaslMechanism } from '../sasl/mechanism.js';
import type { ReplyChannel } from './reply-channel.js';
import type { Transcript } from './transcript.js';
import type { AuthOptions } from './options.js';
import { outOfSequenceError, replyError } from './reply-errors.js';

/** A server that keeps challenging forever must not keep us in the loop forever. */
const MAX_ROUNDS = 10;

export interface AuthContext {
  channel: ReplyChannel;
  transcript: Transcript;
  capabilities: Capabilities;
  credentials: AuthOptions;
  secure: boolean;
  loopback: boolean;
  allowInsecureAuth: boolean;
  timeoutMs: number;
  /** The server's configured name and port (OAUTHBEARER sends them). */
  server?: { host: string; port: number };
}

/**
 * Errors where the server refused a bearer token it was given (not a missing or broken token source): the
 * transport answers them with one `getAccessToken({ refresh: true })` and a fresh connection. Kept beside
 * the error, not in it, so nothing about the token ends up in what the caller sees or logs.
 */
const tokenRejections = new WeakSet<object>();

/** True when `error` is the server refusing an OAuth2 bearer token (XOAUTH2 or OAUTHBEARER). */
export function isTokenRejection(error: unknown): boolean {
  return typeof error === 'object' && error !== null && tokenRejections.has(error);
}

/** Runs the exchange; resolves with the mechanism name, or throws EAUTH / the channel's error. */
export async function authenticate(ctx: AuthContext): Promise<string> {
  if (ctx.credentials.oauth2 !== undefined && typeof ctx.credentials.getAccessToken !== 'function' && !ctx.credentials.accessToken) {
    throw new SmtpError('ECONFIG', 'auth.oauth2 is run by createTransport(); a bare SmtpConnection needs auth.getAccessToken or auth.accessToken', { phase: 'auth', transient: false });
  }
  // The mechanisms (SCRAM, CRAM-MD5, SASLprep...) are loaded by the first login: a session without
  // credentials, the common case on a relay or a local sink, never needs them.
  const { selectMechanism } = await import('../sasl/select.js');
  const mechanism = selectMechanism({
    offered: ctx.capabilities.auth,
    method: ctx.credentials.method ?? 'auto',
    credentials: ctx.credentials,
    secure: ctx.secure,
    loopback: ctx.loopback,
    allowInsecureAuth: ctx.allowInsecureAuth,
    ...(ctx.server ? { server: ctx.server } : {}),
  });
  ctx.transcript.info(`authenticating as ${ctx.credentials.user} with ${mechanism.name}`);
  const initial = await mechanism.start();
  ctx.transcript.saslActive = true;
  try {
    const line = cmd.auth(mechanism.name, initial === undefined ? undefined : initial.toString('base64'));
    let reply = await send(ctx, line);
    for (let round = 0; reply.code === 334; round += 1) {
      if (round >= MAX_ROUNDS) {
        await cancel(ctx);
        throw untrusted(ctx, new SmtpError('EAUTH', `The server sent more than ${MAX_ROUNDS} AUTH challenges`, { phase: 'auth', transient: false }));
      }
      const challenge = decodeChallenge(reply);
      let response: Buffer;
      try {
        if (challenge === undefined) throw new SmtpError('EPROTOCOL', 'The server sent a challenge that is not valid base64', { phase: 'auth' });
        response = await mechanism.next(challenge);
      } catch (error) {
        await cancel(ctx);
        throw untrusted(ctx, error);
      }
      reply = await send(ctx, cmd.authResponse(response.toString('base64')));
    }
    // Neither a challenge, nor success, nor a refusal (a 250, a 354, a 1xx): the server is out of step.
    if (reply.code !== 235 && !isRefusal(reply)) {
      const error = outOfSequenceError(reply, 'auth', 'AUTH');
      ctx.channel.breakWith(error);
      throw error;
    }
    if (reply.code === 235) {
      // RFC 4954 lets a server carry final success data (SCRAM's server signature) in the 235 itself.
      try {
        mechanism.finish(mechanism.name.startsWith('SCRAM') ? successData(reply) : undefined);
      } catch (error) {
        // The server said 235 but did not prove who it is: it thinks the session is authenticated.
        throw untrusted(ctx, error);
      }
      return mechanism.name;
    }
    throw failure(reply, mechanism, ctx);
  } finally {
    ctx.transcript.saslActive = false;
  }
}

async function send(ctx: AuthContext, line: string): Promise<Reply> {
  ctx.transcript.client(line);
  return ctx.channel.command(line, 'auth', ctx.timeoutMs);
}

/** RFC 4954: a client that gives up sends "*"; the server answers 501. */
async function cancel(ctx: AuthContext): Promise<void> {
  try {
    await send(ctx, '*\r\n');
  } catch {
    // The session may already be gone; the original error is what matters.
  }
}

/**
 * The mechanism refused what the server sent (a wrong SCRAM signature, a nonce that is not ours, an iteration
 * count out of bounds, a malformed challenge): the server failed to prove its identity or does not follow the
 * mechanism. Nothing more may be sent to it on this session, so it is broken, not just the login failed.
 * (A plain refusal, 535, is different: the server is who it is, the credentials were wrong.)
 */
function untrusted(ctx: AuthContext, error: unknown): SmtpError {
  const failure = SmtpError.from(error, { code: 'EAUTH', phase: 'auth', transient: false });
  ctx.channel.breakWith(failure);
  return failure;
}

function isRefusal(reply: Reply): boolean {
  return reply.code >= 400 && reply.code < 600;
}

function decodeChallenge(reply: Reply): Buffer | undefined {
  const text = (reply.lines[0] ?? '').trim();
  if (text === '') return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

function successData(reply: Reply): Buffer | undefined {
  const text = reply.message.trim();
  if (text === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

function failure(reply: Reply, mechanism: SaslMechanism, ctx: AuthContext): SmtpError {
  const detail = mechanism.failureDetail ? ` [${mechanism.failureDetail}]` : '';
  const base = replyError(reply, 'auth', `Authentication as ${ctx.credentials.user} with ${mechanism.name} failed${detail}`, 'EAUTH');
  // 535 is "credentials invalid" (RFC 4954); after the bearer error challenge any 5xx means the same.
  const bearer = mechanism.name === 'XOAUTH2' || mechanism.name === 'OAUTHBEARER';
  if (bearer && (reply.code === 535 || (mechanism.tokenRejected === true && reply.code >= 500))) tokenRejections.add(base);
  return base;
}
