/**
 * SMTP smuggling: for each end-of-data variant, ONE message to the operator's --to address whose body
 * holds the variant followed by a complete second transaction (MAIL, RCPT, DATA, a message marked with the
 * variant's name, a dot), then the real <CR><LF>.<CR><LF>. A server that reads the message as the client
 * wrote it answers once; a server that ends the message at the variant answers the smuggled commands too
 * (more replies than the client's one end of data), or answers 250 early and errors on the rest.
 * Which variants a server refuses (a 5xx, a dropped session) and which it keeps as content is reported too:
 * that tells e.g. Postfix's smtpd_forbid_bare_newline = yes (refuses bare LF) from = normalize (keeps it).
 */
import type { Reply } from '../../protocol/reply.js';
import { formatReply } from '../../protocol/reply.js';
import type { AuditContext } from '../context.js';
import type { RawSession } from '../raw-session.js';
import type { SmugglingOutcome } from '../types.js';
import { SMUGGLING_VARIANTS, type SmugglingVariant } from './smuggling-variants.js';

export const ID = 'smtp-smuggling';

export async function smugglingCheck(ctx: AuditContext): Promise<void> {
  const { to, from } = ctx.options;
  if (to === undefined) {
    ctx.skip(ID, 'needs --to (an address of your own that may receive the test messages)');
    return;
  }
  const outcomes: Record<string, SmugglingOutcome> = {};
  const notes: string[] = [];
  const tried = await Promise.all(
    SMUGGLING_VARIANTS.map(async (variant) => {
      const transcript: string[] = [];
      try {
        const result = await ctx.withSession({ auth: true }, transcript, ({ session }) => tryVariant(ctx, session, variant, from, to));
        return { variant, transcript, ...result };
      } catch (error) {
        return { variant, transcript, outcome: undefined, why: (error as Error).message, answer: undefined };
      }
    }),
  );
  // The same refusal for every variant (the --to address refused, say) is one skip, not ten.
  const reasons = new Set(tried.map((t) => (t.outcome === undefined ? t.why : undefined)));
  const [only] = reasons;
  if (reasons.size === 1 && only !== undefined) {
    ctx.skip(ID, only);
    return;
  }
  for (const t of tried) {
    if (t.outcome === undefined) {
      ctx.skip(`${ID}:${t.variant.id}`, t.why ?? 'no answer');
      continue;
    }
    outcomes[t.variant.id] = t.outcome;
    notes.push(`${t.variant.label} (${t.variant.id}): ${describe(t.outcome)}${t.answer ? ` - ${t.answer}` : ''}`);
    if (t.outcome === 'end-of-data') {
      ctx.finding({
        id: `${ID}:${t.variant.id}`,
        severity: 'high',
        title: `SMTP smuggling: the server ends a message at ${t.variant.label} and runs what follows as commands`,
        // From the transaction on: the greeting and EHLO say nothing about the finding.
        evidence: t.transcript.slice(Math.max(0, t.transcript.findIndex((l) => l.startsWith('C: MAIL FROM')))),
        fix: 'accept only <CR><LF>.<CR><LF> as end of data (Postfix 3.7.10+: smtpd_forbid_bare_newline = normalize or reject)',
      });
    }
  }
  if (Object.keys(outcomes).length > 0) {
    ctx.report.smuggling = outcomes;
    ctx.finding({
      id: `${ID}-handling`,
      severity: 'info',
      title: `end-of-data variants: ${summary(outcomes)}`,
      evidence: notes,
      fix: 'nothing to do for variants refused or kept as content; refusing bare CR/LF is the safest',
    });
  }
}

interface VariantResult {
  outcome: SmugglingOutcome | undefined;
  why?: string;
  answer?: string;
}

async function tryVariant(ctx: AuditContext, session: RawSession, variant: SmugglingVariant, from: string, to: string): Promise<VariantResult> {
  const mail = await session.command(`MAIL FROM:<${from}>`);
  if (mail?.code !== 250) return { outcome: undefined, why: `MAIL FROM was answered ${answer(mail)}` };
  const rcpt = await session.command(`RCPT TO:<${to}>`);
  if (rcpt === undefined || (rcpt.code !== 250 && rcpt.code !== 251)) return { outcome: undefined, why: `RCPT TO <${to}> was answered ${answer(rcpt)}` };
  const data = await session.command('DATA');
  if (data?.code !== 354) return { outcome: undefined, why: `DATA was answered ${answer(data)}` };
  session.write(payload(variant, from, to, ctx.options.clientName));
  const first = await session.next();
  if (first === undefined) return { outcome: session.closed ? 'rejected' : 'unclear', answer: session.closed ? 'connection closed' : 'no answer' };
  const rest = session.closed ? [] : await session.settle(ctx.options.settleMs);
  const codes = [first, ...rest].map((r) => String(r.code)).join(' ');
  return { outcome: classify(first, rest), answer: `${codes} (${answer(first)})` };
}

/** One reply to the one end of data is the correct answer; more means the smuggled commands ran. */
export function classify(first: Reply, rest: Reply[]): SmugglingOutcome {
  if (first.code >= 400) return 'rejected';
  return rest.length > 0 ? 'end-of-data' : 'content';
}

/** The carrier message, the variant, the smuggled transaction, the real end of data. */
export function payload(variant: SmugglingVariant, from: string, to: string, clientName: string): string {
  const stamp = new Date().toUTCString();
  const id = `${Date.now().toString(36)}.${variant.id}@${clientName}`;
  const carrier = [
    `From: <${from}>`,
    `To: <${to}>`,
    `Date: ${stamp}`,
    `Message-ID: <carrier.${id}>`,
    `Subject: mailwire audit: smuggling carrier (${variant.id})`,
    `X-Mailwire-Audit: carrier ${variant.id}`,
    '',
    `mailwire audit sent this message to test how the server ends a message (variant ${variant.label}).`,
  ].join('\r\n');
  const smuggled = [
    `MAIL FROM:<${from}>`,
    `RCPT TO:<${to}>`,
    'DATA',
    `From: <${from}>`,
    `To: <${to}>`,
    `Date: ${stamp}`,
    `Message-ID: <smuggled.${id}>`,
    `Subject: mailwire audit: SMUGGLED (${variant.id})`,
    `X-Mailwire-Audit: smuggled ${variant.id}`,
    '',
    `If this arrived as a message of its own, the server took ${variant.label} as the end of the previous one.`,
  ].join('\r\n');
  return `${carrier}${variant.bytes}${smuggled}\r\n.\r\n`;
}

function answer(reply: Reply | undefined): string {
  return reply === undefined ? 'with nothing' : formatReply(reply).split('\n')[0] ?? '';
}

function describe(outcome: SmugglingOutcome): string {
  return {
    'end-of-data': 'ENDED THE MESSAGE (smuggling possible)',
    rejected: 'refused',
    content: 'kept as message content',
    unclear: 'no clear answer',
  }[outcome];
}

function summary(outcomes: Record<string, SmugglingOutcome>): string {
  const count = (o: SmugglingOutcome): number => Object.values(outcomes).filter((x) => x === o).length;
  const parts = [
    [count('end-of-data'), 'ended the message'],
    [count('rejected'), 'refused'],
    [count('content'), 'kept as content'],
    [count('unclear'), 'unclear'],
  ] as const;
  return parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`).join(', ');
}
