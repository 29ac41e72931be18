/**
 * verify({ to }): the short test message a configuration screen's Test button sends, and how its outcome
 * goes into the report. The message names the server, port, security and user (never the password), so a
 * recipient can tell which of several configurations delivered it.
 */
import type { SmtpError } from '../errors.js';
import type { SmtpConnection } from '../connection/smtp-connection.js';
import { formatReply } from '../protocol/reply.js';
import { messageBytesNow, type PreparedMessage } from '../mime/compose.js';
import type { AddressInput, MailMessage } from '../mime/message.js';
import type { ResolvedConfig } from './config.js';
import { authRequiredReply } from './hints.js';
import type { VerifyReport } from './results.js';

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

/** What an opened session shows: greeting, capabilities, TLS, AUTH, timings (totalMs filled by the caller). */
export function sessionReport(conn: SmtpConnection): VerifyReport {
  const tls = conn.tlsInfo;
  const report: VerifyReport = {
    ok: true,
    host: conn.host,
    port: conn.port,
    security: conn.security,
    capabilities: { ...conn.capabilities?.keywords },
    greeting: conn.greeting ? formatReply(conn.greeting) : '',
    timings: { connectMs: round(conn.timings.connectMs ?? 0), totalMs: 0 },
  };
  if (tls) report.tls = { protocol: tls.protocol, cipher: tls.cipher, authorized: tls.authorized };
  if (conn.authMethod) report.authMethod = conn.authMethod;
  if (conn.timings.tlsMs !== undefined) report.timings.tlsMs = round(conn.timings.tlsMs);
  if (conn.timings.authMs !== undefined) report.timings.authMs = round(conn.timings.authMs);
  return report;
}

/** Sends the test message on the verified session; a refusal is reported, not thrown. */
export async function sendTestMessage(
  conn: SmtpConnection,
  prepared: PreparedMessage,
  report: VerifyReport,
  explain: (error: unknown) => { failure: SmtpError; authRequired: boolean },
): Promise<void> {
  try {
    const body = messageBytesNow(prepared) ?? (await prepared.toBuffer());
    const result = await conn.send(prepared.envelope, body);
    const sent = result.rejected.length === 0;
    report.testMessage = { sent, messageId: prepared.messageId, accepted: result.accepted, rejected: result.rejected, response: result.response };
    report.ok = sent;
  } catch (error) {
    const { failure, authRequired } = explain(error);
    report.testMessage = { sent: false, messageId: prepared.messageId, accepted: [], rejected: [], error: failure };
    report.ok = false;
    if (authRequired) report.authRequired = true;
  }
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
