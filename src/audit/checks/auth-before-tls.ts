/**
 * AUTH offered in plaintext: a client that takes what is offered sends its password in the clear (PLAIN
 * and LOGIN are the password itself in base64). Also: a STARTTLS-mode audit against a server that does
 * not offer STARTTLS at all.
 */
import type { AuditContext } from '../context.js';

export const ID = 'auth-before-tls';

export async function authBeforeTlsCheck(ctx: AuditContext): Promise<void> {
  const before = ctx.baseline.before;
  if (ctx.options.security === 'tls' || before === undefined) {
    ctx.skip(ID, 'implicit TLS: nothing is offered in plaintext');
    return;
  }
  const evidence = ctx.baseline.beforeTranscript.filter((l) => l.startsWith('S: 250') || l.startsWith('C: EHLO'));
  if (ctx.options.security === 'starttls' && !before.starttls) {
    ctx.finding({ id: 'no-starttls', severity: 'medium', title: 'the server does not offer STARTTLS', evidence, fix: 'configure a certificate and offer STARTTLS (Postfix: smtpd_tls_security_level = may)' });
  }
  if (before.auth.length === 0) return;
  const cleartext = before.auth.filter((m) => m === 'PLAIN' || m === 'LOGIN');
  ctx.finding({
    id: ID,
    severity: cleartext.length > 0 ? 'medium' : 'low',
    title: `AUTH ${before.auth.join(' ')} is offered before TLS${cleartext.length > 0 ? ` (${cleartext.join(' and ')} send the password as it is)` : ''}`,
    evidence,
    fix: 'offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes)',
  });
}
