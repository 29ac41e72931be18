/**
 * Provider presets: host, port and security for the services people actually send through, plus the hint
 * they need when authentication fails (the most common support question for every SMTP library).
 */
import { SmtpError } from '../errors.js';
import type { Security } from '../connection/options.js';

/** Host, port, security and the login advice for a known provider. */
export interface ProviderPreset {
  host: string;
  port: number;
  security: Security;
  authHint?: string;
}

const APP_PASSWORD = 'use an app password (with 2-step verification on), not your account password';

const PRESETS: Record<string, ProviderPreset> = {
  gmail: { host: 'smtp.gmail.com', port: 465, security: 'tls', authHint: `Gmail: ${APP_PASSWORD}, or XOAUTH2` },
  'google-workspace': { host: 'smtp.gmail.com', port: 465, security: 'tls', authHint: `Google: ${APP_PASSWORD}, or XOAUTH2` },
  outlook: { host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', authHint: `Outlook.com: ${APP_PASSWORD}, or XOAUTH2` },
  hotmail: { host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', authHint: `Outlook.com: ${APP_PASSWORD}, or XOAUTH2` },
  office365: {
    host: 'smtp.office365.com',
    port: 587,
    security: 'starttls',
    authHint: 'Office 365: SMTP AUTH must be enabled for the mailbox; with MFA use an app password or XOAUTH2',
  },
  yahoo: { host: 'smtp.mail.yahoo.com', port: 465, security: 'tls', authHint: `Yahoo: ${APP_PASSWORD}` },
  icloud: { host: 'smtp.mail.me.com', port: 587, security: 'starttls', authHint: `iCloud: ${APP_PASSWORD}` },
  zoho: { host: 'smtp.zoho.com', port: 465, security: 'tls', authHint: `Zoho: ${APP_PASSWORD} when 2FA is on` },
  fastmail: { host: 'smtp.fastmail.com', port: 465, security: 'tls', authHint: `Fastmail: ${APP_PASSWORD}` },
  sendgrid: { host: 'smtp.sendgrid.net', port: 587, security: 'starttls', authHint: 'SendGrid: the user is literally "apikey" and the password is your API key' },
  mailgun: { host: 'smtp.mailgun.org', port: 587, security: 'starttls', authHint: 'Mailgun: use the SMTP credentials of your sending domain (Domain settings > SMTP credentials)' },
  postmark: { host: 'smtp.postmarkapp.com', port: 587, security: 'starttls', authHint: 'Postmark: user and password are both your Server API token' },
  sparkpost: { host: 'smtp.sparkpostmail.com', port: 587, security: 'starttls', authHint: 'SparkPost: the user is "SMTP_Injection" and the password an API key with the Send via SMTP permission' },
  brevo: { host: 'smtp-relay.brevo.com', port: 587, security: 'starttls', authHint: 'Brevo: use your SMTP login and SMTP key, not the account password' },
  mailjet: { host: 'in-v3.mailjet.com', port: 587, security: 'starttls', authHint: 'Mailjet: the user is your API key and the password your secret key' },
  resend: { host: 'smtp.resend.com', port: 465, security: 'tls', authHint: 'Resend: the user is "resend" and the password your API key' },
};

const SES_HINT = 'Amazon SES wants SMTP credentials (created in the SES console), not IAM access keys';

/** The preset for a provider name; 'ses:REGION' (e.g. 'ses:eu-west-1') names Amazon SES in that region. */
export function resolvePreset(name: string): ProviderPreset {
  const key = name.trim().toLowerCase();
  const ses = /^ses(?::([a-z]{2}(?:-[a-z]+)+-\d))?$/.exec(key);
  if (ses) {
    const region = ses[1] ?? 'us-east-1';
    return { host: `email-smtp.${region}.amazonaws.com`, port: 587, security: 'starttls', authHint: SES_HINT };
  }
  const preset = PRESETS[key];
  if (!preset || !Object.hasOwn(PRESETS, key)) {
    throw new SmtpError('ECONFIG', `Unknown provider "${name}". Known: ${providerNames().join(', ')}, ses:REGION`, { phase: 'config' });
  }
  return preset;
}

/** The names `provider` accepts (besides `ses:REGION`). */
export function providerNames(): string[] {
  return Object.keys(PRESETS);
}
