/**
 * Opening a session with an OAuth2 token source: a token the server refuses is renewed once (getAccessToken
 * with `{ refresh: true }`, or a new grant) and the session opened again on a fresh connection, because
 * servers such as Gmail end or distrust a session after a failed AUTH. A second refusal is final, never a loop.
 */
import { SmtpError } from '../errors.js';
import type { AuthOptions } from '../connection/options.js';
import { isTokenRejection } from '../connection/auth-exchange.js';
import type { TranscriptHook } from '../connection/transcript.js';
import type { TokenSource } from './token-source.js';

export const TOKEN_HINT =
  'check that the token grants SMTP (Google scope https://mail.google.com/, Microsoft https://outlook.office.com/SMTP.Send), ' +
  'that auth.user is the account the token was issued for, and that SMTP AUTH is enabled for the mailbox';

/**
 * `open(auth)` opens one session with those credentials. Errors other than a token refusal come back
 * from `open` as they are; the caller adds its own hints to those.
 */
export async function openWithRenewal<T>(
  tokens: TokenSource,
  auth: AuthOptions,
  open: (auth: AuthOptions) => Promise<T>,
  onTranscript: TranscriptHook | undefined,
): Promise<T> {
  const { oauth2: _oauth2, ...rest } = auth;
  let handed: string | undefined;
  try {
    return await open({ ...rest, getAccessToken: async () => (handed = await tokens.get()) });
  } catch (error) {
    if (!isTokenRejection(error)) throw error;
  }
  onTranscript?.({ dir: 'i', line: 'the server refused the access token: renewing it once and connecting again', at: Date.now() });
  let fresh: string;
  try {
    fresh = await tokens.refresh(handed);
  } catch (error) {
    throw SmtpError.from(error, { code: 'EAUTH', phase: 'auth', transient: false, message: 'The server refused the access token, and getAccessToken({ refresh: true }) failed; see the cause' });
  }
  try {
    return await open({ ...rest, getAccessToken: async () => fresh });
  } catch (error) {
    if (!isTokenRejection(error)) throw error;
    // Not a preset's password hint (app passwords): OAuth2 is set up, and the token is the problem.
    const failure = SmtpError.from(error, { code: 'EAUTH', phase: 'auth' });
    throw failure.with({ message: `${failure.message} (a freshly refreshed token was refused too; hint: ${TOKEN_HINT})`, hint: TOKEN_HINT });
  }
}
