/**
 * The `auth.oauth2` option checked and completed: provider presets fill the token endpoint, and everything
 * that would make the refresh-token grant fail later (missing client ID, an http: endpoint) is ECONFIG now.
 */
import { SmtpError } from '../errors.js';
import type { OAuth2Options } from '../connection/options.js';

/** `auth.oauth2` after checking: the token endpoint filled in from the provider preset when not given. */
export interface ResolvedOAuth2 {
  tokenUrl: URL;
  clientId: string;
  clientSecret: string | undefined;
  refreshToken: string;
  scope: string | undefined;
  ca: OAuth2Options['ca'];
}

/** Google's OAuth2 token endpoint, used for `oauth2: { provider: 'google' }` and the gmail presets. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const MICROSOFT_SCOPE = 'https://outlook.office.com/SMTP.Send offline_access';

/** Transport presets whose mailboxes sign in with these identity providers. */
const PRESET_PROVIDER: Readonly<Record<string, 'google' | 'microsoft'>> = {
  gmail: 'google',
  'google-workspace': 'google',
  outlook: 'microsoft',
  hotmail: 'microsoft',
  office365: 'microsoft',
};

/**
 * Microsoft identity platform's token endpoint for a tenant (`common` by default), used for
 * `oauth2: { provider: 'microsoft', tenant }` and the outlook / office365 presets.
 * @example microsoftTokenUrl('contoso.onmicrosoft.com')
 */
export function microsoftTokenUrl(tenant = 'common'): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
}

/** `preset` is the transport's `provider` option, if any. */
export function resolveOAuth2(input: OAuth2Options, preset: string | undefined): ResolvedOAuth2 {
  if (typeof input !== 'object' || input === null) throw oauthConfigError('auth.oauth2 must be an object');
  for (const key of ['clientId', 'refreshToken'] as const) {
    if (typeof input[key] !== 'string' || input[key] === '') throw oauthConfigError(`auth.oauth2.${key} is required`);
  }
  if (input.clientSecret !== undefined && typeof input.clientSecret !== 'string') throw oauthConfigError('auth.oauth2.clientSecret must be a string');
  if (input.scope !== undefined && (typeof input.scope !== 'string' || /[\x00-\x1f\x7f]/.test(input.scope))) {
    throw oauthConfigError('auth.oauth2.scope must be a space-separated string');
  }
  const provider = input.provider ?? (input.tokenUrl === undefined && preset !== undefined ? PRESET_PROVIDER[preset.trim().toLowerCase()] : undefined);
  if (provider !== undefined && provider !== 'google' && provider !== 'microsoft') {
    throw oauthConfigError(`auth.oauth2.provider must be 'google' or 'microsoft', not ${JSON.stringify(provider)}`);
  }
  if (input.tenant !== undefined && (provider !== 'microsoft' || typeof input.tenant !== 'string' || !/^[A-Za-z0-9.-]+$/.test(input.tenant))) {
    throw oauthConfigError('auth.oauth2.tenant is a Microsoft directory ID or domain, and only for provider "microsoft"');
  }
  if (provider !== undefined && input.tokenUrl !== undefined) throw oauthConfigError('auth.oauth2: set provider or tokenUrl, not both');
  const raw = input.tokenUrl ?? (provider === 'google' ? GOOGLE_TOKEN_URL : provider === 'microsoft' ? microsoftTokenUrl(input.tenant) : undefined);
  if (raw === undefined) {
    throw oauthConfigError("auth.oauth2 needs tokenUrl, or provider: 'google' | 'microsoft' (or a gmail/outlook/office365 transport preset)");
  }
  let tokenUrl: URL;
  try {
    tokenUrl = new URL(raw);
  } catch {
    throw oauthConfigError('auth.oauth2.tokenUrl is not a URL');
  }
  // The request carries the refresh token and client secret: never over plain HTTP, not even to localhost.
  if (tokenUrl.protocol !== 'https:') throw oauthConfigError(`auth.oauth2.tokenUrl must be https: (got ${tokenUrl.protocol})`);
  if (tokenUrl.username !== '' || tokenUrl.password !== '') throw oauthConfigError('auth.oauth2.tokenUrl must not carry credentials; use clientId/clientSecret');
  return {
    tokenUrl,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    refreshToken: input.refreshToken,
    scope: input.scope ?? (provider === 'microsoft' ? MICROSOFT_SCOPE : undefined),
    ca: input.ca,
  };
}

/** The endpoint as errors name it: origin and path, never a query string. */
export function describeTokenUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function oauthConfigError(message: string): SmtpError {
  return new SmtpError('ECONFIG', `Invalid transport configuration: ${message}`, { phase: 'config', transient: false });
}
