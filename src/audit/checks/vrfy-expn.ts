/**
 * VRFY and EXPN (RFC 5321 section 3.5): a server that confirms mailboxes or expands lists to anyone helps
 * harvesters. 252 ("cannot verify, will try") and refusals are the answers that give nothing away.
 */
import type { AuditContext } from '../context.js';

export const ID = 'vrfy-expn';

export async function vrfyExpnCheck(ctx: AuditContext): Promise<void> {
  const transcript: string[] = [];
  await ctx.withSession({}, transcript, async ({ session }) => {
    for (const verb of ['VRFY', 'EXPN'] as const) {
      const start = transcript.length;
      const reply = await session.command(`${verb} postmaster`);
      if (reply !== undefined && (reply.code === 250 || reply.code === 251)) {
        ctx.finding({
          id: `${ID}:${verb.toLowerCase()}`,
          severity: 'low',
          title: `${verb} is enabled and confirms addresses`,
          evidence: transcript.slice(start),
          fix: verb === 'VRFY' ? 'disable VRFY (Postfix: disable_vrfy_command = yes) or answer 252' : 'disable EXPN',
        });
      }
    }
  });
}
