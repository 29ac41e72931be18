/**
 * TLS 1.0 and 1.1 (deprecated by RFC 8996): a handshake is tried with only that version allowed, and
 * ciphers at OpenSSL security level 0 so that this client is not what refuses. A handshake that completes
 * is a finding; one the local OpenSSL cannot even offer is reported as untested, not as refused.
 */
import type { AuditContext } from '../context.js';

export const ID = 'tls-versions';

const LEGACY = [
  { version: 'TLSv1', label: 'TLS 1.0' },
  { version: 'TLSv1.1', label: 'TLS 1.1' },
] as const;

// What node/OpenSSL says when it cannot offer the version at all (this side, not the server).
const LOCAL_REFUSAL = /no protocols available|unsupported protocol.*client|ERR_SSL_NO_PROTOCOLS_AVAILABLE/i;

export async function tlsVersionsCheck(ctx: AuditContext): Promise<void> {
  if (ctx.options.security === 'none') {
    ctx.skip(ID, '--security none: TLS is not used');
    return;
  }
  if (ctx.options.security === 'starttls' && (!ctx.baseline.before?.starttls || ctx.starttlsBroken)) {
    ctx.skip(ID, ctx.starttlsBroken ? 'STARTTLS does not complete (see starttls-broken)' : 'the server does not offer STARTTLS');
    return;
  }
  const legacy: Record<string, 'accepted' | 'refused' | 'untested'> = {};
  for (const { version, label } of LEGACY) {
    const transcript: string[] = [];
    try {
      await ctx.withSession({ tls: true, tlsSettings: { minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' } }, transcript, async ({ session }) => {
        if (!session.tlsInfo) throw new Error('no TLS session');
      });
      legacy[label] = 'accepted';
      ctx.finding({
        id: `${ID}:${version.toLowerCase()}`,
        severity: 'medium',
        title: `${label} is still accepted`,
        evidence: transcript,
        fix: `allow TLS 1.2 and 1.3 only (Postfix: smtpd_tls_protocols = >=TLSv1.2, and smtpd_tls_mandatory_protocols)`,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      legacy[label] = LOCAL_REFUSAL.test(message) && !/alert/i.test(message) ? 'untested' : 'refused';
      if (legacy[label] === 'untested') ctx.skip(`${ID}:${version.toLowerCase()}`, `this machine's OpenSSL cannot offer ${label}: ${message}`);
    }
  }
  ctx.report.tls = { ...(ctx.report.tls ?? {}), legacy };
}
