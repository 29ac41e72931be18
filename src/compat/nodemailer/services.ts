/**
 * nodemailer's `service` names (its well-known list, matched case-insensitively with spaces, dots and
 * dashes ignored) mapped onto mailwire's provider presets. Only services mailwire has a preset for are
 * accepted: any other name is ECONFIG naming it, so a typo never falls back to localhost.
 */
import { SmtpError } from '../../errors.js';

const ALIASES: Record<string, string> = {
  gmail: 'gmail',
  googlemail: 'gmail',
  gmailworkspace: 'google-workspace',
  googleworkspace: 'google-workspace',
  hotmail: 'hotmail',
  outlook: 'outlook',
  outlookcom: 'outlook',
  live: 'outlook',
  outlook365: 'office365',
  office365: 'office365',
  yahoo: 'yahoo',
  ymail: 'yahoo',
  icloud: 'icloud',
  me: 'icloud',
  mac: 'icloud',
  zoho: 'zoho',
  fastmail: 'fastmail',
  sendgrid: 'sendgrid',
  mailgun: 'mailgun',
  postmark: 'postmark',
  sparkpost: 'sparkpost',
  sendinblue: 'brevo',
  brevo: 'brevo',
  mailjet: 'mailjet',
  resend: 'resend',
  ses: 'ses',
};

const normalize = (name: string): string => name.toLowerCase().replace(/[\s.\-_]/g, '');

/** The mailwire provider name for a nodemailer service name; ECONFIG for one mailwire has no preset for. */
export function providerForService(service: unknown): string {
  if (typeof service !== 'string' || service.trim() === '') throw configError('service must be a service name, e.g. "Gmail"');
  // nodemailer's SES-EU-WEST-1 style names carry the region.
  const ses = /^ses-([a-z]{2}(?:-[a-z]+)+-\d)$/i.exec(service.trim());
  if (ses?.[1]) return `ses:${ses[1].toLowerCase()}`;
  const provider = ALIASES[normalize(service)];
  if (provider === undefined || !Object.hasOwn(ALIASES, normalize(service))) {
    throw configError(`service "${service}" has no mailwire preset: give host, port and secure instead (known: ${serviceNames().join(', ')})`);
  }
  return provider;
}

/** The service names accepted (for messages and the migration guide). */
export function serviceNames(): string[] {
  return ['Gmail', 'GmailWorkspace', 'Hotmail', 'Outlook365', 'Yahoo', 'iCloud', 'Zoho', 'FastMail', 'SendGrid', 'Mailgun', 'Postmark', 'SparkPost', 'SendinBlue', 'Brevo', 'Mailjet', 'Resend', 'SES', 'SES-<REGION>'];
}

export function configError(message: string): SmtpError {
  return new SmtpError('ECONFIG', message, { phase: 'config' });
}
