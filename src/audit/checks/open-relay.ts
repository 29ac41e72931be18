/**
 * Open relay, only for the recipient domains the operator names (--relay-domain): an unauthenticated
 * MAIL and RCPT to an address there, then RSET. Never DATA: nothing is sent anywhere.
 */
import type { AuditContext } from '../context.js';

export const ID = 'open-relay';

export async function openRelayCheck(ctx: AuditContext): Promise<void> {
  const domains = ctx.options.relayDomains;
  if (domains.length === 0) {
    ctx.skip(ID, 'no --relay-domain given (the audit only tries domains you name)');
    return;
  }
  const sender = ctx.options.from !== '' ? ctx.options.from : 'mailwire-audit@mailwire-audit.invalid';
  const transcript: string[] = [];
  await ctx.withSession({ auth: false }, transcript, async ({ session }) => {
    for (const domain of domains) {
      const start = transcript.length;
      const mail = await session.command(`MAIL FROM:<${sender}>`);
      if (mail?.code !== 250) {
        ctx.skip(`${ID}:${domain}`, `MAIL FROM was answered ${mail ? mail.code : 'with nothing'}`);
        await session.command('RSET');
        continue;
      }
      const rcpt = await session.command(`RCPT TO:<mailwire-relay-test@${domain}>`);
      await session.command('RSET');
      if (rcpt !== undefined && (rcpt.code === 250 || rcpt.code === 251)) {
        ctx.finding({
          id: `${ID}:${domain}`,
          severity: 'high',
          title: `an unauthenticated client may send to ${domain} (an open relay, unless this server hosts ${domain})`,
          evidence: transcript.slice(start),
          fix: 'relay only for authenticated clients and your own networks (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination)',
        });
      }
    }
  });
}
