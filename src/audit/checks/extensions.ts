/**
 * What the server advertises, checked against what it does, in one session (over TLS and logged in when
 * the options say so), nothing delivered except one small BDAT message to --to:
 * - SIZE n: a MAIL with SIZE=n+1 must be refused at MAIL (RFC 1870 section 6.1), not after the data;
 * - PIPELINING: commands written at once are answered one for one, in order (RFC 2920);
 * - CHUNKING: BDAT is taken (needs --to: it sends a message);
 * - 8BITMIME, SMTPUTF8, DSN: their MAIL parameters are accepted.
 * Every MAIL here is followed by RSET, so no transaction is left open.
 */
import { formatReply, type Reply } from '../../protocol/reply.js';
import type { AuditContext } from '../context.js';
import type { RawSession } from '../raw-session.js';

export const ID = 'extensions';

export async function extensionsCheck(ctx: AuditContext): Promise<void> {
  const transcript: string[] = [];
  const { from, to } = ctx.options;
  const sender = from === '' ? '' : from;
  await ctx.withSession({ auth: true }, transcript, async ({ session, capabilities: caps }) => {
    const mark = (): number => transcript.length;
    const since = (start: number): string[] => transcript.slice(start);
    const problem = (key: string, title: string, start: number, fix: string): void =>
      ctx.finding({ id: `${ID}:${key}`, severity: 'low', title, evidence: since(start), fix });

    // Without a plain MAIL being taken (a submission port without --auth-user, say) nothing can be compared.
    const plain = await mailThenRset(session, `MAIL FROM:<${sender}>`);
    if (plain === undefined || plain.code !== 250) {
      ctx.skip(ID, `MAIL FROM:<${sender}> was answered ${answer(plain)}${ctx.options.auth ? '' : ' (log in with --auth-user and --pass-env?)'}`);
      return;
    }
    transcript.length = 0;

    if (caps.size !== undefined && caps.size > 0) {
      const start = mark();
      const reply = await mailThenRset(session, `MAIL FROM:<${sender}> SIZE=${caps.size + 1}`);
      if (reply !== undefined && reply.code < 400)
        problem('size', `SIZE ${caps.size} is advertised but a MAIL declaring ${caps.size + 1} bytes was accepted`, start, 'refuse MAIL when its SIZE= is over the advertised limit (RFC 1870)');
    } else if (caps.size === undefined) ctx.skip(`${ID}:size`, 'SIZE is not advertised');

    for (const [key, on, param] of [
      ['8bitmime', caps.eightBitMime, 'BODY=8BITMIME'],
      ['smtputf8', caps.smtpUtf8, 'SMTPUTF8'],
      ['dsn', caps.dsn, 'RET=HDRS ENVID=mailwire-audit'],
    ] as const) {
      if (!on) continue;
      const start = mark();
      const reply = await mailThenRset(session, `MAIL FROM:<${sender}> ${param}`);
      if (reply === undefined || reply.code >= 400)
        problem(key, `${key.toUpperCase()} is advertised but MAIL with ${param} was answered ${answer(reply)}`, start, `stop advertising ${key.toUpperCase()}, or accept its MAIL parameters`);
    }

    if (caps.pipelining) {
      const start = mark();
      const commands = [`MAIL FROM:<${sender}>`, ...(to !== undefined ? [`RCPT TO:<${to}>`] : []), 'RSET', 'NOOP'];
      session.write(commands.map((c) => `${c}\r\n`).join(''));
      const replies: Reply[] = [];
      for (let i = 0; i < commands.length; i++) {
        const reply = await session.next();
        if (reply === undefined) break;
        replies.push(reply);
      }
      replies.push(...(await session.settle(Math.min(500, ctx.options.settleMs))));
      const inOrder = replies.length === commands.length && replies[0]?.code === 250 && replies.at(-2)?.code === 250 && replies.at(-1)?.code === 250;
      if (!inOrder)
        problem('pipelining', `PIPELINING is advertised but ${commands.length} pipelined commands got ${replies.length} replies (${replies.map((r) => r.code).join(' ')})`, start, 'answer pipelined commands one for one, or stop advertising PIPELINING');
    }

    if (caps.chunking) {
      if (to === undefined) ctx.skip(`${ID}:chunking`, 'CHUNKING needs --to: taking BDAT means sending a message');
      else {
        const start = mark();
        const ok = await bdatMessage(session, sender, to, ctx.options.clientName);
        if (!ok) problem('chunking', 'CHUNKING is advertised but a BDAT message was not taken', start, 'fix BDAT support, or stop advertising CHUNKING');
      }
    }
  });
}

async function mailThenRset(session: RawSession, mail: string): Promise<Reply | undefined> {
  const reply = await session.command(mail);
  await session.command('RSET');
  return reply;
}

async function bdatMessage(session: RawSession, from: string, to: string, clientName: string): Promise<boolean> {
  const mail = await session.command(`MAIL FROM:<${from}>`);
  if (mail?.code !== 250) return false;
  const rcpt = await session.command(`RCPT TO:<${to}>`);
  if (rcpt === undefined || rcpt.code >= 300) {
    await session.command('RSET');
    return false;
  }
  const body = [
    `From: <${from}>`,
    `To: <${to}>`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <bdat.${Date.now().toString(36)}@${clientName}>`,
    'Subject: mailwire audit: CHUNKING check',
    'X-Mailwire-Audit: bdat',
    '',
    'mailwire audit sent this message with BDAT to check that CHUNKING works.',
    '',
  ].join('\r\n');
  session.write(`BDAT ${Buffer.byteLength(body, 'latin1')} LAST\r\n${body}`);
  const reply = await session.next();
  return reply?.code === 250;
}

function answer(reply: Reply | undefined): string {
  return reply === undefined ? 'with nothing' : (formatReply(reply).split('\n')[0] ?? '');
}
