/**
 * SCRAM-SHA-256 (RFC 5802 with RFC 7677), without channel binding (gs2 header "n,,").
 *
 * The only mechanism here with mutual authentication: the server proves it knows the salted password by
 * sending a signature over the whole exchange. That proof is mandatory: a server that says 235 without it
 * (or with a wrong one) may be an impostor that simply accepts everything, so we fail with EAUTH.
 *
 * Exchange:   C: n,,n=user,r=cnonce
 *             S: r=cnonce+snonce,s=salt,i=4096           -> next() returns the client-final message
 *             C: c=biws,r=cnonce+snonce,p=proof
 *             S: v=signature  (in a 334 -> next() returns ""; or in the 235 -> finish())
 */

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { authConfigError, authError, authGuardError, quoteServerText, requirePassword, requireUser } from './mechanism.js';
import { saslprep } from './saslprep.js';

/** RFC 7677 section 4: "at least 4096". Fewer is a downgrade a man in the middle would love. */
export const SCRAM_MIN_ITERATIONS = 4096;
/**
 * The most PBKDF2 rounds we will run for a server. RFC 5802 section 9 warns that a hostile server can make a
 * client burn CPU with a huge count, and ours runs on libuv's shared thread pool (4 threads by default, also
 * used by DNS lookups and file I/O), so a count in the millions stalls every other connection of the process.
 * Servers issue far less: Dovecot (AUTH_SCRAM_DEFAULT_ITERATE_COUNT) and Cyrus SASL (scram_iteration_counter)
 * default to 4096, the RFC 7677 minimum; MongoDB's SCRAM-SHA-256 default is 15,000. 100,000 is 24 times the
 * usual 4096 and well above every server default we know of, so any real server fits, and the worst a server
 * can make us do stays around a few tens of milliseconds of one thread.
 */
export const SCRAM_MAX_ITERATIONS = 100_000;

export interface ScramOptions {
  /** Client nonce, for tests that replay a known exchange. Printable ASCII except ','. Default: 24 random bytes, base64. */
  clientNonce?: string;
}

type State = 'initial' | 'sent-first' | 'sent-final' | 'verified' | 'failed';

// RFC 5802 "printable": %x21-2B / %x2D-7E (visible ASCII except ',').
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class ScramSha256Mechanism implements SaslMechanism {
  readonly name = 'SCRAM-SHA-256';
  readonly #username: string; // SASLprepped and escaped, ready for "n="
  readonly #password: string; // SASLprepped
  readonly #clientNonce: string;
  readonly #secrets: readonly string[]; // for redacting server text we quote
  #state: State = 'initial';
  #clientFirstBare = '';
  #expectedServerSignature: Buffer | undefined;
  #failureDetail: string | undefined;

  constructor(credentials: SaslCredentials, options: ScramOptions = {}) {
    const user = saslprep(requireUser(credentials, 'SCRAM-SHA-256'));
    if (!user.ok) {
      const cp = `U+${user.codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
      throw authGuardError(`SCRAM-SHA-256: the user name contains ${user.reason} (${cp}), which SASLprep prohibits`);
    }
    const rawPass = requirePassword(credentials, 'SCRAM-SHA-256');
    const pass = saslprep(rawPass);
    // Name the kind of character only: its code point or position would leak part of the password.
    if (!pass.ok) throw authGuardError(`SCRAM-SHA-256: the password contains ${pass.reason}, which SASLprep prohibits`);
    if (user.value.length === 0) throw authGuardError('SCRAM-SHA-256: the user name is empty after SASLprep');
    if (pass.value.length === 0) throw authGuardError('SCRAM-SHA-256: the password is empty after SASLprep');
    this.#username = user.value.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.#password = pass.value;
    this.#secrets = [rawPass, pass.value];
    const nonce = options.clientNonce ?? randomBytes(24).toString('base64');
    if (!PRINTABLE.test(nonce)) {
      throw authConfigError('SCRAM-SHA-256: clientNonce must be printable ASCII without commas');
    }
    this.#clientNonce = nonce;
  }

  get failureDetail(): string | undefined {
    return this.#failureDetail;
  }

  async start(): Promise<Buffer> {
    return Buffer.from(this.#clientFirst(), 'utf8');
  }

  async next(challenge: Buffer): Promise<Buffer> {
    switch (this.#state) {
      case 'initial':
        // RFC 4954: an empty 334 asks for the initial response the server did not receive.
        if (challenge.length === 0) return Buffer.from(this.#clientFirst(), 'utf8');
        return this.#fail('the server sent a challenge before the client-first message');
      case 'sent-first':
        return Buffer.from(await this.#clientFinal(challenge.toString('utf8')), 'utf8');
      case 'sent-final':
        this.#verifyServerFinal(challenge.toString('utf8'));
        // Server-final arrived in a 334: the protocol wants an empty response, then the server's 235.
        return Buffer.alloc(0);
      default:
        return this.#fail('unexpected challenge after the exchange ended');
    }
  }

  finish(successData: Buffer | undefined): void {
    if (this.#state === 'verified') return;
    if (this.#state === 'sent-final' && successData !== undefined && successData.length > 0) {
      this.#verifyServerFinal(successData.toString('utf8'));
      return;
    }
    this.#fail('the server accepted the login without proving it knows the password (no server signature)');
  }

  #clientFirst(): string {
    this.#clientFirstBare = `n=${this.#username},r=${this.#clientNonce}`;
    this.#state = 'sent-first';
    return `n,,${this.#clientFirstBare}`;
  }

  async #clientFinal(serverFirst: string): Promise<string> {
    const attrs = parseAttributes(serverFirst, (m) => this.#fail(m));
    const keys = attrs.map(([k]) => k).join('');
    const error = attrs.find(([k]) => k === 'e');
    if (error !== undefined) return this.#serverError(error[1]);
    if (keys.startsWith('m')) return this.#fail('the server requires an extension this client does not support');
    if (!keys.startsWith('rsi')) return this.#fail('malformed server-first message (expected r=, s=, i=)');
    const [[, nonce], [, salt], [, iterText]] = attrs as [[string, string], [string, string], [string, string]];

    // The server must extend *our* nonce: otherwise this could be a replay of another session.
    if (!nonce.startsWith(this.#clientNonce) || nonce.length <= this.#clientNonce.length || !PRINTABLE.test(nonce)) {
      return this.#fail('the server nonce does not extend the client nonce');
    }
    if (salt.length === 0 || !BASE64.test(salt)) return this.#fail('the server sent a salt that is not base64');
    if (!/^[1-9][0-9]{0,9}$/.test(iterText)) return this.#fail('the server sent an invalid iteration count');
    const iterations = Number(iterText);
    if (iterations < SCRAM_MIN_ITERATIONS) {
      return this.#fail(
        `the server asked for ${iterations} iterations, fewer than the minimum ${SCRAM_MIN_ITERATIONS} (refused as a downgrade)`,
      );
    }
    if (iterations > SCRAM_MAX_ITERATIONS) {
      return this.#fail(`the server asked for ${iterations} iterations, more than the maximum ${SCRAM_MAX_ITERATIONS}`);
    }

    // Async PBKDF2 runs on libuv's thread pool, so one AUTH does not stall every other pooled connection.
    const saltedPassword = await pbkdf2Async(this.#password, Buffer.from(salt, 'base64'), iterations);
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`; // "biws" = base64("n,,"): no channel binding
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] ?? 0) ^ (clientSignature[i] ?? 0);
    this.#expectedServerSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
    this.#state = 'sent-final';
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  #verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal, (m) => this.#fail(m));
    const [first] = attrs;
    if (first?.[0] === 'e') this.#serverError(first[1]);
    if (first?.[0] !== 'v' || !BASE64.test(first[1])) this.#fail('malformed server-final message (expected v=)');
    const got = Buffer.from(first?.[1] ?? '', 'base64');
    const expected = this.#expectedServerSignature;
    if (expected === undefined || got.length !== expected.length || !timingSafeEqual(got, expected)) {
      this.#fail('server signature mismatch: the server did not prove it knows the password (possible impostor)');
    }
    this.#state = 'verified';
  }

  /** "e=" (RFC 5802 server-error-value, e.g. "invalid-proof"): short tokens, but untrusted, so cap and redact. */
  #serverError(value: string): never {
    const quoted = quoteServerText(Buffer.from(value, 'utf8'), this.#secrets, 100);
    this.#failureDetail = `e=${quoted}`;
    return this.#fail(`the server reported an error: ${quoted}`);
  }

  #fail(message: string): never {
    this.#state = 'failed';
    throw authError(`SCRAM-SHA-256: ${message}`);
  }
}

/** "k=v,k=v" -> [[k, v]...]; every attribute must be one letter, '=', value (RFC 5802 section 7). */
function parseAttributes(message: string, fail: (m: string) => never): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of message.split(',')) {
    if (!/^[A-Za-z]=/.test(part)) fail('malformed server message (attributes must look like "x=value")');
    out.push([part.charAt(0), part.slice(2)]);
  }
  return out;
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function pbkdf2Async(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key)));
  });
}
