/**
 * PLAIN (RFC 4616): "authzid NUL authcid NUL passwd" as the initial response, authzid left empty so the
 * server derives it from the user name. The password crosses the wire in the clear (base64 is not
 * encryption), which is why select.ts only picks PLAIN over TLS, to loopback, or when the user opted in.
 */

import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { authError, authGuardError, requirePassword, requireUser } from './mechanism.js';

export class PlainMechanism implements SaslMechanism {
  readonly name = 'PLAIN';
  readonly #user: string;
  readonly #pass: string;
  #answeredEmptyChallenge = false;

  constructor(credentials: SaslCredentials) {
    this.#user = requireUser(credentials, 'PLAIN');
    this.#pass = requirePassword(credentials, 'PLAIN');
    // NUL is the field separator: one inside a field would let the value be re-parsed as other fields.
    if (this.#user.includes('\0')) throw authGuardError('PLAIN: the user name contains a NUL character');
    if (this.#pass.includes('\0')) throw authGuardError('PLAIN: the password contains a NUL character');
  }

  async start(): Promise<Buffer> {
    return this.#message();
  }

  /**
   * RFC 4954: a server that did not take the initial response sends an empty 334; the client then sends
   * the response it would have sent initially. Anything else is a protocol violation for PLAIN.
   */
  async next(challenge: Buffer): Promise<Buffer> {
    if (challenge.length === 0 && !this.#answeredEmptyChallenge) {
      this.#answeredEmptyChallenge = true;
      return this.#message();
    }
    throw authError('PLAIN: the server sent an unexpected challenge (PLAIN is a single message)');
  }

  finish(_successData: Buffer | undefined): void {
    // Nothing to verify: PLAIN has no server authentication.
  }

  #message(): Buffer {
    return Buffer.from(`\0${this.#user}\0${this.#pass}`, 'utf8');
  }
}
