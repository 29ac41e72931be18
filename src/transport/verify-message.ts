/**
 * verify({ to }): the short test message a configuration screen's Test button sends, and how its outcome
 * goes into the report. The message names the server, port, security and user (never the password), so a
 * recipient can tell which of several configurations delivered it.
 */
import type { SmtpError } from '../errors.js';
import type { AddressInput, MailMessage } from '../mime/message.js';
import type { ResolvedConfig } from './config.js';
import { authRequiredReply } from './hints.js';

export function verifyMessage(config: ResolvedConfig, to: AddressInput | AddressInput[], from: AddressInput | undefined): MailMessage {
  return {
    ...(from !== undefined ? { from } : {}),
    to,
    subject: `mailwire test message via ${config.host}:${config.port}`,
    text: [
      'This is a test message sent by mailwire (transport.verify({ to })).',
      '',
      `Server:   ${config.host}`,
      `Port:     ${config.port}`,
      `Security: ${config.security}`,
      `User:     ${config.auth?.user ?? '(none)'}`,
      `Sent at:  ${new Date().toISOString()}`,
      '',
      'If you can read this, the configuration above delivers mail.',
      '',
    ].join('\n'),
  };
}

/**
 * A refusal of the test message means authentication is required when no credentials were given, the
 * server offered AUTH, and it refused MAIL or RCPT with 530 or a 5.7.x policy code.
 */
export function showsAuthRequired(error: SmtpError, config: ResolvedConfig, offersAuth: boolean): boolean {
  return config.auth === undefined && offersAuth && (error.phase === 'mail' || error.phase === 'rcpt') && authRequiredReply(error);
}
