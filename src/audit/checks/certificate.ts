/**
 * The certificate of the baseline TLS session (the same facts `mailwire probe` shows): does the chain
 * verify against the trusted CAs (--ca adds one), does it name the host, how long until it expires.
 */
import type { AuditContext } from '../context.js';

export const ID = 'certificate';

export async function certificateCheck(ctx: AuditContext): Promise<void> {
  const tls = ctx.report.tls;
  if (ctx.baseline.tls === undefined || tls === undefined) {
    ctx.skip(ID, ctx.options.security === 'none' ? '--security none: TLS is not used' : 'no TLS session was established');
    return;
  }
  const cert = tls.certificate;
  const evidence = [
    `-- TLS ${tls.protocol ?? '?'} ${tls.cipher ?? '?'}`,
    ...(cert ? [`-- subject ${cert.subject}`, `-- issuer ${cert.issuer}`, `-- valid ${cert.validFrom} to ${cert.validTo} (${cert.daysLeft} days left)`] : ['-- no certificate']),
    ...(tls.authorizationError !== undefined ? [`-- verification: ${tls.authorizationError}`] : ['-- verification: ok']),
  ];
  if (cert && cert.daysLeft < 0) {
    ctx.finding({ id: `${ID}:expired`, severity: 'high', title: `the certificate expired on ${cert.validTo}`, evidence, fix: 'renew the certificate and reload the server' });
  } else if (cert && cert.daysLeft < 14) {
    ctx.finding({ id: `${ID}:expires-soon`, severity: 'medium', title: `the certificate expires in ${cert.daysLeft} days`, evidence, fix: 'renew the certificate (and check that renewal is automated)' });
  }
  if (tls.authorized === false && !(cert && cert.daysLeft < 0 && /expired/i.test(tls.authorizationError ?? ''))) {
    const name = /altname|host ?name|does not match/i.test(tls.authorizationError ?? '');
    ctx.finding({
      id: name ? `${ID}:name` : `${ID}:chain`,
      severity: 'medium',
      title: name ? `the certificate does not name ${ctx.options.host}` : `the certificate does not verify: ${tls.authorizationError ?? 'unknown reason'}`,
      evidence,
      fix: name
        ? 'use a certificate whose subjectAltName holds the host name clients connect to'
        : 'serve the full chain from a CA clients trust (or pass your private CA with --ca when auditing)',
    });
  }
}
