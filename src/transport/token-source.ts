/**
 * Where a transport's connections get their OAuth2 access token: one object per configuration, shared by
 * every connection of the transport.
 *
 * - With `auth.oauth2` it runs the refresh-token grant itself and caches the token until shortly before it
 *   expires; connections opening together share one request, so a burst never floods the token endpoint.
 * - With `auth.getAccessToken` it calls the caller's function once per AUTH attempt, as before, and
 *   only shares a forced refresh among connections that were refused at the same time.
 *
 * `refresh(rejected)` is what the transport calls after the server refused `rejected`: when another
 * connection has already replaced that token, the replacement is returned without asking again.
 */
import type { SaslCredentials } from '../sasl/mechanism.js';
import { requestToken, type TokenGrant } from './token-endpoint.js';
import type { ResolvedOAuth2 } from './oauth2.js';

/** Renew this long before the endpoint's expiry: a token must outlive the AUTH that carries it. */
export const EXPIRY_MARGIN_MS = 60_000;

type Provider = NonNullable<SaslCredentials['getAccessToken']>;

export class TokenSource {
  readonly #fetch: (refresh: boolean) => Promise<TokenGrant>;
  readonly #cache: boolean;
  readonly #now: () => number;
  #token: { value: string; expiresAt: number } | undefined;
  #inFlight: Promise<string> | undefined;

  private constructor(fetch: (refresh: boolean) => Promise<TokenGrant>, cache: boolean, now: () => number) {
    this.#fetch = fetch;
    this.#cache = cache;
    this.#now = now;
  }

  /** The caller's getAccessToken: called as it always was; `{ refresh: true }` only after a refusal. */
  static fromProvider(provider: Provider): TokenSource {
    return new TokenSource(async (refresh) => ({ accessToken: await provider({ refresh }), expiresIn: undefined, refreshToken: undefined }), false, Date.now);
  }

  /** The refresh-token grant, run by mailwire. A rotated refresh token replaces the configured one in memory. */
  static fromOAuth2(config: ResolvedOAuth2, timeoutMs: number, now: () => number = Date.now): TokenSource {
    let refreshToken = config.refreshToken;
    return new TokenSource(
      async () => {
        const grant = await requestToken(config, refreshToken, timeoutMs);
        if (grant.refreshToken !== undefined) refreshToken = grant.refreshToken;
        return grant;
      },
      true,
      now,
    );
  }

  /** A token for one AUTH attempt. */
  get(): Promise<string> {
    if (!this.#cache) return this.#fetch(false).then((grant) => grant.accessToken);
    const cached = this.#valid();
    if (cached !== undefined) return Promise.resolve(cached);
    return (this.#inFlight ??= this.#run(false));
  }

  /** A new token after the server refused `rejected`; at most one request in flight for all connections. */
  refresh(rejected: string | undefined): Promise<string> {
    if (this.#inFlight) return this.#inFlight;
    const cached = this.#valid();
    if (cached !== undefined && cached !== rejected) return Promise.resolve(cached);
    this.#token = undefined;
    return (this.#inFlight = this.#run(true));
  }

  #valid(): string | undefined {
    const token = this.#token;
    return token !== undefined && this.#now() < token.expiresAt ? token.value : undefined;
  }

  async #run(refresh: boolean): Promise<string> {
    try {
      const grant = await this.#fetch(refresh);
      // Without expires_in the token is used for this burst only: asking again costs less than a refusal.
      const lifetimeMs = grant.expiresIn === undefined ? 0 : grant.expiresIn * 1000 - EXPIRY_MARGIN_MS;
      this.#token = { value: grant.accessToken, expiresAt: this.#now() + lifetimeMs };
      return grant.accessToken;
    } finally {
      this.#inFlight = undefined;
    }
  }
}
