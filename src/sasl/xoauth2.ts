/**
 * XOAUTH2 (Google / Microsoft): initial response "user=" user ^A "auth=Bearer " token ^A ^A.
 *
 * On failure the server does not answer 535 straight away: it sends a 334 whose payload is a JSON error
 * ({"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}). The client must answer with an
 * empty line, after which the server sends the 535. `next` keeps a readable summary of that JSON in
 * `failureDetail` so the final EAUTH can say *why* (expired token vs. wrong scope) without the token.
 *
 * A bearer token is as good as a password while it lives, so select.ts applies the same channel policy
 * as for PLAIN.
 */

import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { authConfigError, authError, authGuardError, requireUser } from './mechanism.js';
import { bearerToken, describeBearerError } from './bearer.js';

export class XOAuth2Mechanism implements SaslMechanism {
  readonly name = 'XOAUTH2';
  readonly #user: string;
  readonly #staticToken: string | undefined;
  readonly #provider: SaslCredentials['getAccessToken'];
  #token: string | undefined;
  #answeredEmptyChallenge = false;
  #sawError = false;
  #failureDetail: string | undefined;

  constructor(credentials: SaslCredentials) {
    this.#user = requireUser(credentials, 'XOAUTH2');
    // ^A separates the fields; one inside the user name would let it smuggle an "auth=" field.
    if (/[\x00-\x1f\x7f]/.test(this.#user)) {
      throw authGuardError('XOAUTH2: the user name contains a control character');
    }
    const token = credentials.accessToken;
    this.#staticToken = typeof token === 'string' && token.length > 0 ? token : undefined;
    this.#provider = typeof credentials.getAccessToken === 'function' ? credentials.getAccessToken : undefined;
    if (this.#staticToken === undefined && this.#provider === undefined) {
      throw authConfigError('XOAUTH2 authentication needs auth.accessToken, auth.getAccessToken or auth.oauth2');
    }
  }

  get tokenRejected(): boolean {
    return this.#sawError;
  }

  get failureDetail(): string | undefined {
    return this.#failureDetail;
  }

  async start(): Promise<Buffer> {
    const token = await this.#getToken();
    return Buffer.from(`user=${this.#user}\x01auth=Bearer ${token}\x01\x01`, 'utf8');
  }

  async next(challenge: Buffer): Promise<Buffer> {
    // A server that did not take the initial response asks for it with an empty challenge (RFC 4954).
    if (challenge.length === 0 && !this.#answeredEmptyChallenge && !this.#sawError) {
      this.#answeredEmptyChallenge = true;
      return this.start();
    }
    if (this.#sawError) {
      throw authError('XOAUTH2: the server sent another challenge after its error response');
    }
    this.#sawError = true;
    this.#failureDetail = this.#describeError(challenge);
    // The empty response is the protocol's "acknowledged"; the server follows with its 535.
    return Buffer.alloc(0);
  }

  finish(_successData: Buffer | undefined): void {
    // Nothing to verify: XOAUTH2 has no server authentication beyond TLS.
  }

  async #getToken(): Promise<string> {
    this.#token ??= await bearerToken({ user: this.#user, ...(this.#staticToken !== undefined ? { accessToken: this.#staticToken } : {}), ...(this.#provider ? { getAccessToken: this.#provider } : {}) }, 'XOAUTH2');
    return this.#token;
  }

  #describeError(challenge: Buffer): string {
    return describeBearerError(challenge, this.#token);
  }
}
