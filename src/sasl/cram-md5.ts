/**
 * CRAM-MD5 (RFC 2195): the server sends a unique challenge; the client answers
 * `user SP hex(HMAC-MD5(key = password, challenge))`. The password never crosses the wire, which is its one
 * merit; MD5 and the server having to store the plain password are its weaknesses, so select.ts prefers it
 * only where the alternative would be a cleartext password on a plaintext wire.
 */

import { createHmac } from 'node:crypto';
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { authError, requirePassword, requireUser } from './mechanism.js';

export class CramMd5Mechanism implements SaslMechanism {
  readonly name = 'CRAM-MD5';
  readonly #user: string;
  readonly #pass: string;
  #answered = false;

  constructor(credentials: SaslCredentials) {
    this.#user = requireUser(credentials, 'CRAM-MD5');
    this.#pass = requirePassword(credentials, 'CRAM-MD5');
  }

  async start(): Promise<undefined> {
    return undefined;
  }

  async next(challenge: Buffer): Promise<Buffer> {
    if (this.#answered) throw authError('CRAM-MD5: the server sent a second challenge (CRAM-MD5 has one)');
    // An empty challenge would make the response a replayable function of the password alone.
    if (challenge.length === 0) throw authError('CRAM-MD5: the server sent an empty challenge');
    this.#answered = true;
    const digest = createHmac('md5', Buffer.from(this.#pass, 'utf8')).update(challenge).digest('hex');
    return Buffer.from(`${this.#user} ${digest}`, 'utf8');
  }

  finish(_successData: Buffer | undefined): void {
    // Nothing to verify: CRAM-MD5 has no server authentication.
  }
}
