/**
 * The greeting and the EHLO reply naming the server software, and worse its version: it tells an
 * attacker which advisories to try. A name alone is information; a version number is a low finding.
 */
import type { AuditContext } from '../context.js';

export const ID = 'banner';

const SOFTWARE =
  /\b(postfix|exim|sendmail|microsoft|exchange|qmail|haraka|aiosmtpd|python|opensmtpd|courier|zimbra|mdaemon|hmailserver|smtp-server|nodemailer|mailwire|kerio|icewarp|axigen|james|postal|maddy|chasquid|stalwart|smtpd)\b/i;
const VERSION = /\b(?:v|version\s*)?\d+\.\d+(?:\.\d+)*(?:[-_.][A-Za-z0-9]+)?\b/i;

export async function bannerCheck(ctx: AuditContext): Promise<void> {
  const b = ctx.baseline;
  const lines = [
    ...b.beforeTranscript.filter((l) => l.startsWith('S: 220')),
    ...[...b.beforeTranscript, ...b.transcript].filter((l) => /^S: 250[- ]/.test(l)),
  ];
  const seen = [...new Set(lines)];
  const named = seen.filter((l) => SOFTWARE.test(l.slice(7)));
  if (named.length === 0) return;
  // A version next to a software name (not the IP address or a date in the banner).
  const versioned = named.filter((l) => {
    const text = l.slice(7);
    const at = text.search(SOFTWARE);
    return VERSION.test(text.slice(at));
  });
  const software = (named[0] ?? '').slice(7).match(SOFTWARE)?.[1] ?? 'its software';
  ctx.finding({
    id: ID,
    severity: versioned.length > 0 ? 'low' : 'info',
    title: versioned.length > 0 ? `the server names its software and version (${software})` : `the server names its software (${software})`,
    evidence: versioned.length > 0 ? versioned : named,
    fix: 'say less in the greeting and EHLO (Postfix: smtpd_banner = $myhostname ESMTP)',
  });
}
