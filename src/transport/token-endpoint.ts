/**
 * One refresh-token grant (RFC 6749 section 6) over node:https: POST the form, read a small JSON answer.
 *
 * The request carries the refresh token and the client secret, the answer an access token: none of them
 * may reach an error message. Errors name the endpoint (origin and path) and the OAuth error code; the
 * server's description is included only with every secret cut out of it. The certificate is always
 * checked (there is no switch to turn that off; `ca` adds trust for a private CA).
 */
import https from 'node:https';
import { SmtpError } from '../errors.js';
import { redactSecrets } from '../sasl/mechanism.js';
import { describeTokenUrl, type ResolvedOAuth2 } from './oauth2.js';

export interface TokenGrant {
  accessToken: string;
  /** Seconds, as the endpoint said (RFC 6749 section 5.1); undefined when it did not say. */
  expiresIn: number | undefined;
  /** A rotated refresh token (Microsoft issues one with each grant); use it for the next refresh. */
  refreshToken: string | undefined;
}

/** A token answer is a few kilobytes; anything far larger is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export function requestToken(config: ResolvedOAuth2, refreshToken: string, timeoutMs: number): Promise<TokenGrant> {
  const secrets = [refreshToken, config.refreshToken, config.clientSecret ?? ''];
  const where = describeTokenUrl(config.tokenUrl);
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: config.clientId });
  if (config.clientSecret !== undefined) form.set('client_secret', config.clientSecret);
  if (config.scope !== undefined) form.set('scope', config.scope);
  const body = Buffer.from(form.toString(), 'utf8');
  return new Promise<TokenGrant>((resolve, reject) => {
    const fail = (message: string, transient: boolean, cause?: unknown): void => {
      reject(new SmtpError('EAUTH', `OAuth2 token refresh at ${where} failed: ${redactSecrets(message, secrets)}`, { phase: 'auth', transient, cause }));
    };
    const request = https.request(
      config.tokenUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.byteLength, accept: 'application/json' },
        rejectUnauthorized: true,
        ...(config.ca !== undefined ? { ca: config.ca } : {}),
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > MAX_RESPONSE_BYTES) {
            request.destroy();
            fail(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`, false);
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => fail(`the answer was cut off (${error.message})`, true));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          let json: Record<string, unknown> | undefined;
          try {
            const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          if (status !== 200) {
            // RFC 6749 5.2: {"error":"invalid_grant","error_description":"..."}; invalid_grant means the refresh token is dead.
            const code = typeof json?.error === 'string' ? json.error.slice(0, 100) : undefined;
            const description = typeof json?.error_description === 'string' ? json.error_description.slice(0, 300) : undefined;
            const what = code ? `${code}${description ? ` (${description})` : ''}` : 'no OAuth error in the answer';
            return fail(`HTTP ${status}: ${what.replace(/[\x00-\x1f\x7f]/g, ' ')}`, status >= 500 || status === 429);
          }
          const accessToken = json?.access_token;
          if (typeof accessToken !== 'string' || accessToken === '') return fail('the answer has no access_token', false);
          const expires = Number(json?.expires_in);
          const rotated = json?.refresh_token;
          resolve({
            accessToken,
            expiresIn: Number.isFinite(expires) && expires > 0 ? expires : undefined,
            refreshToken: typeof rotated === 'string' && rotated !== '' ? rotated : undefined,
          });
        });
      },
    );
    request.on('timeout', () => {
      request.destroy();
      fail(`no answer within ${timeoutMs} ms`, true);
    });
    // Connection and certificate failures: the message names the cause (ECONNREFUSED, an untrusted certificate).
    request.on('error', (error: NodeJS.ErrnoException) => fail(error.code ? `${error.code}: ${error.message}` : error.message, !isCertificateError(error), error));
    request.end(body);
  });
}

function isCertificateError(error: NodeJS.ErrnoException): boolean {
  return typeof error.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(error.code);
}
