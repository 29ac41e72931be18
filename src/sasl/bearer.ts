/**
 * What XOAUTH2 and OAUTHBEARER share: getting the bearer token once per attempt (and refusing one that would
 * break the framing), and reading the server's JSON error challenge into a summary without any secret.
 */
import { SmtpError } from '../errors.js';
import { authError, authGuardError, quoteServerText, redactSecrets } from './mechanism.js';
import type { SaslCredentials } from './mechanism.js';

/** The token for one AUTH attempt: the static one, or the provider's answer to `{ refresh: false }`. */
export async function bearerToken(credentials: SaslCredentials, mechanism: string): Promise<string> {
  let token: unknown = typeof credentials.accessToken === 'string' && credentials.accessToken.length > 0 ? credentials.accessToken : undefined;
  const provider = credentials.getAccessToken;
  if (token === undefined && typeof provider === 'function') {
    try {
      token = await provider({ refresh: false });
    } catch (err) {
      // mailwire's own token sources (auth.oauth2) fail with a precise SmtpError: keep it.
      if (SmtpError.is(err)) throw err;
      throw authError(`${mechanism}: getAccessToken() failed; see the cause`, err);
    }
  }
  if (typeof token !== 'string' || token.length === 0) {
    throw authError(`${mechanism}: getAccessToken() did not return a non-empty string`);
  }
  // ^A, CR or LF inside the token would break the message framing; never echo the token itself.
  if (/[\x00-\x1f\x7f]/.test(token)) {
    throw authGuardError(`${mechanism}: the access token contains a control character`);
  }
  return token;
}

/** "status=401, schemes=Bearer, scope=..." from the JSON error; the raw text (quoted) if it is not JSON. */
export function describeBearerError(challenge: Buffer, token: string | undefined): string {
  // The server has no reason to echo the token, but make sure a misbehaving one cannot leak it through us.
  const secrets = token === undefined ? [] : [token];
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
