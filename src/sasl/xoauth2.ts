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
import { authConfigError, authError, authGuardError, quoteServerText, redactSecrets, requireUser } from './mechanism.js';

export class XOAuth2Mechanism implements SaslMechanism {
  readonly name = 'XOAUTH2';
  readonly #user: string;
  readonly #staticToken: string | undefined;
  readonly #provider: (() => Promise<string>) | undefined;
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
      throw authConfigError('XOAUTH2 authentication needs auth.accessToken or auth.getAccessToken');
    }
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
    if (this.#token !== undefined) return this.#token;
    let token: unknown = this.#staticToken;
    if (token === undefined && this.#provider !== undefined) {
      try {
        token = await this.#provider();
      } catch (err) {
        throw authError('XOAUTH2: getAccessToken() failed; see the cause', err);
      }
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw authError('XOAUTH2: getAccessToken() did not return a non-empty string');
    }
    // ^A, CR or LF inside the token would break the message framing; never echo the token itself.
    if (/[\x00-\x1f\x7f]/.test(token)) {
      throw authGuardError('XOAUTH2: the access token contains a control character');
    }
    this.#token = token;
    return token;
  }

  /** "status=401, schemes=Bearer, scope=..." from the JSON error; the raw text (quoted) if it is not JSON. */
  #describeError(challenge: Buffer): string {
    // The server has no reason to echo the token, but make sure a misbehaving one cannot leak it through us.
    const secrets = this.#token === undefined ? [] : [this.#token];
    try {
      const parsed: unknown = JSON.parse(challenge.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const fields: string[] = [];
        for (const key of ['status', 'schemes', 'scope'] as const) {
          const value = (parsed as Record<string, unknown>)[key];
          if (typeof value === 'string' || typeof value === 'number') {
            fields.push(`${key}=${redactSecrets(String(value), secrets).slice(0, 200)}`);
          }
        }
        if (fields.length > 0) return fields.join(', ');
      }
    } catch {
      // Not JSON: fall through to quoting the text.
    }
    return `server error ${quoteServerText(challenge, secrets)}`;
  }
}
