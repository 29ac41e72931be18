/**
 * STARTTLS command injection (CVE-2011-0411 and its kin in Postfix, Exim, Cyrus, qmail-TLS...): a server
 * that keeps the plaintext bytes which came in the same packet as STARTTLS and runs them after the
 * handshake lets anyone on the path add commands to a TLS session. The check writes "STARTTLS<CRLF>NOOP<CRLF>"
 * in one write, completes the handshake, then sends nothing: any reply that arrives over TLS answers the
 * injected NOOP. A correct server discards the plaintext buffer at STARTTLS (RFC 3207 section 4.2 asks the
 * client to discard what it knew; the server must do the same with what it read).
 */
import type { AuditContext } from '../context.js';
import { showReply } from '../raw-session.js';

export const ID = 'starttls-injection';

export async function starttlsInjectionCheck(ctx: AuditContext): Promise<void> {
  if (ctx.options.security !== 'starttls') {
    ctx.skip(ID, ctx.options.security === 'tls' ? 'implicit TLS: there is no STARTTLS to inject into' : '--security none: TLS is not used');
    return;
  }
  if (!ctx.baseline.before?.starttls || ctx.starttlsBroken) {
    ctx.skip(ID, ctx.starttlsBroken ? 'STARTTLS does not complete (see starttls-broken)' : 'the server does not offer STARTTLS');
    return;
  }
  const transcript: string[] = [];
  await ctx.withSession({ tls: false }, transcript, async ({ session }) => {
    session.write('STARTTLS\r\nNOOP\r\n');
    const ready = await session.next();
    if (ready?.code !== 220) {
      ctx.skip(ID, `STARTTLS was answered ${ready ? ready.code : 'with nothing'}`);
      return;
    }
    // A reply to the NOOP before the handshake is a server that answers pipelined commands in the clear
    // (then cannot start TLS cleanly); it is not the injection, but it is wrong too.
    const early = await session.settle(Math.min(300, ctx.options.settleMs));
    if (early.length > 0) {
      ctx.finding({
        id: `${ID}:plaintext-answer`,
        severity: 'low',
        title: 'the server answered a command sent after STARTTLS before the TLS handshake',
        evidence: transcript.slice(),
        fix: 'discard everything a client sent after STARTTLS before the handshake',
      });
      return;
    }
    await session.upgrade();
    const injected = await session.settle(ctx.options.settleMs);
    if (injected.length > 0) {
      ctx.finding({
        id: ID,
        severity: 'high',
        title: 'STARTTLS command injection: a command sent in plaintext with STARTTLS was run inside the TLS session',
        evidence: transcript.slice(),
        fix: 'update the server: it must discard buffered plaintext at STARTTLS (CVE-2011-0411 class)',
      });
      return;
    }
    // Still usable: the session answers what is sent over TLS.
    const check = await session.ehlo(ctx.options.clientName);
    if (check.reply === undefined) transcript.push('-- no answer to EHLO after the handshake');
    else if (check.reply.code !== 250) transcript.push(...showReply(check.reply));
  });
}
