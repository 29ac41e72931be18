/**
 * The first session: greeting, EHLO, and (when asked and offered) STARTTLS and EHLO again. Every check
 * reads what the server offers from here instead of asking again, and the report's capabilities and TLS
 * summary come from it.
 */
import type { AuditContext, Baseline } from './context.js';
import { formatReply } from '../protocol/reply.js';
import { tlsSummary } from './tls-summary.js';

export async function takeBaseline(ctx: AuditContext, transcript: string[]): Promise<Baseline> {
  return ctx.withSession({ tls: true }, transcript, async ({ session, capabilities, secure }) => {
    const baseline: Baseline = { greeting: session.greeting, transcript, beforeTranscript: transcript };
    if (secure) {
      baseline.after = capabilities;
      if (session.tlsInfo) baseline.tls = session.tlsInfo;
    } else baseline.before = capabilities;
    return baseline;
  }).then(async (baseline) => {
    // With STARTTLS the session above was upgraded: ask once more in plaintext for what is offered before.
    if (ctx.options.security === 'starttls' && baseline.after) {
      const before: string[] = [];
      await ctx.withSession({ tls: false }, before, async ({ capabilities }) => {
        baseline.before = capabilities;
        baseline.beforeTranscript = before;
      });
    }
    ctx.report.greeting = formatReply(baseline.greeting);
    if (baseline.before) ctx.report.capabilities.before = { ...baseline.before.keywords };
    if (baseline.after) ctx.report.capabilities.after = { ...baseline.after.keywords };
    if (baseline.tls) ctx.report.tls = tlsSummary(baseline.tls);
    return baseline;
  });
}

