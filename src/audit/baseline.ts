/**
 * The first sessions: greeting and EHLO in plaintext, then (when asked and offered) STARTTLS and EHLO
 * again. Every check reads what the server offers from here instead of asking again, and the report's
 * capabilities and TLS summary come from it. A STARTTLS that is offered but cannot be completed is a
 * finding, and the rest of the audit then runs in plaintext instead of stopping.
 */
import type { AuditContext, Baseline } from './context.js';
import { formatReply } from '../protocol/reply.js';
import { tlsSummary } from '../tls/summary.js';

export async function takeBaseline(ctx: AuditContext): Promise<Baseline> {
  const first: string[] = [];
  const baseline = await ctx.withSession({ tls: ctx.options.security === 'tls' }, first, async ({ session, capabilities, secure }) => {
    const b: Baseline = { greeting: session.greeting, transcript: first, beforeTranscript: first };
    if (secure) {
      b.after = capabilities;
      if (session.tlsInfo) b.tls = session.tlsInfo;
    } else b.before = capabilities;
    return b;
  });
  if (ctx.options.security === 'starttls' && baseline.before?.starttls) {
    const upgraded: string[] = [];
    try {
      await ctx.withSession({ tls: true }, upgraded, async ({ session, capabilities, secure }) => {
        if (!secure) throw new Error('the session was not upgraded');
        baseline.after = capabilities;
        baseline.transcript = upgraded;
        if (session.tlsInfo) baseline.tls = session.tlsInfo;
      });
    } catch (error) {
      ctx.starttlsBroken = true;
      ctx.finding({
        id: 'starttls-broken',
        severity: 'medium',
        title: `STARTTLS is offered but could not be completed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        evidence: upgraded,
        fix: 'fix the TLS setup (certificate, key, protocols) or stop offering STARTTLS; the rest of this audit ran in plaintext',
      });
    }
  }
  ctx.report.greeting = formatReply(baseline.greeting);
  if (baseline.before) ctx.report.capabilities.before = { ...baseline.before.keywords };
  if (baseline.after) ctx.report.capabilities.after = { ...baseline.after.keywords };
  if (baseline.tls) ctx.report.tls = tlsSummary(baseline.tls);
  return baseline;
}
