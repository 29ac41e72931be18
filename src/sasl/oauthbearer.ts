/**
 * OAUTHBEARER (RFC 7628): the standard form of XOAUTH2.
 *
 * Initial response: the GS2 header "n,a=" user "," then ^A "host=" host ^A "port=" port ^A
 * "auth=Bearer " token ^A ^A. On failure the server sends a 334 whose payload is a JSON status
 * ({"status":"invalid_token",...}); the client must answer with a single ^A (RFC 7628 section 3.2.3,
 * base64 "AQ==") and the server follows with its 535. Like XOAUTH2, the token is as good as a password
 * while it lives, so select.ts applies the same channel policy.
 */
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { authConfigError, authError, authGuardError, requireUser } from './mechanism.js';
import { bearerToken, describeBearerError } from './bearer.js';

export interface OAuthBearerServer {
  /** The server's name as the client knows it (RFC 7628 "host"), not a resolved address. */
  host?: string;
  port?: number;
}

export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = 'OAUTHBEARER';
  readonly #credentials: SaslCredentials;
  readonly #user: string;
  readonly #server: OAuthBearerServer;
  #token: string | undefined;
  #answeredEmptyChallenge = false;
  #sawError = false;
  #failureDetail: string | undefined;

  constructor(credentials: SaslCredentials, server: OAuthBearerServer = {}) {
    this.#user = requireUser(credentials, 'OAUTHBEARER');
    // GS2 "saslname" (RFC 5801): "," and "=" must be written =2C and =3D; control characters have no place.
    if (/[\x00-\x1f\x7f]/.test(this.#user)) throw authGuardError('OAUTHBEARER: the user name contains a control character');
    if (server.host !== undefined && /[\x00-\x20\x7f]/.test(server.host)) throw authGuardError('OAUTHBEARER: the host name contains a control character or space');
    const hasToken = (typeof credentials.accessToken === 'string' && credentials.accessToken.length > 0) || typeof credentials.getAccessToken === 'function';
    if (!hasToken) throw authConfigError('OAUTHBEARER authentication needs auth.accessToken, auth.getAccessToken or auth.oauth2');
    this.#credentials = credentials;
    this.#server = server;
  }

  get failureDetail(): string | undefined {
    return this.#failureDetail;
  }

  get tokenRejected(): boolean {
    return this.#sawError;
  }

  async start(): Promise<Buffer> {
    this.#token ??= await bearerToken(this.#credentials, 'OAUTHBEARER');
    const user = this.#user.replace(/=/g, '=3D').replace(/,/g, '=2C');
    let fields = '';
    if (this.#server.host !== undefined) fields += `host=${this.#server.host}\x01`;
    if (this.#server.port !== undefined) fields += `port=${this.#server.port}\x01`;
    return Buffer.from(`n,a=${user},\x01${fields}auth=Bearer ${this.#token}\x01\x01`, 'utf8');
  }

  async next(challenge: Buffer): Promise<Buffer> {
    // A server that did not take the initial response asks for it with an empty challenge (RFC 4954).
    if (challenge.length === 0 && !this.#answeredEmptyChallenge && !this.#sawError) {
      this.#answeredEmptyChallenge = true;
      return this.start();
    }
    if (this.#sawError) throw authError('OAUTHBEARER: the server sent another challenge after its error response');
    this.#sawError = true;
    this.#failureDetail = describeBearerError(challenge, this.#token);
    // RFC 7628 3.2.3: the client answers the error with a single %x01; the server then fails the exchange.
    return Buffer.from([0x01]);
  }

  finish(_successData: Buffer | undefined): void {
    // Nothing to verify: OAUTHBEARER has no server authentication beyond TLS.
  }
}
