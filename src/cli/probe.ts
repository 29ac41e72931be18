/** `mailwire probe HOST[:PORT]`: what a server really offers, before and after TLS, and what to fix. */
import { UsageError, flag, parse, serverFrom, parseDuration, str } from './args.js';
import { oneOf } from './config-file.js';
import { readText } from './connection-flags.js';
import { capabilityList, ms } from './format.js';
import { EXIT, line, printJson, type CliIo, type OutputStream } from './io.js';
import { runProbe, type OfferedFeatures, type ProbeReport, type ProbeSecurity } from './probe-run.js';
import { transcriptLine } from './send.js';

export const PROBE_HELP = `Usage: mailwire probe HOST[:PORT] [options]   (or --server HOST[:PORT], or --host HOST --port N)

Shows the greeting, the EHLO capabilities before and after TLS, the TLS protocol, cipher and certificate
(subject, issuer, expiry, whether it verifies), the AUTH mechanisms and round-trip timings, and warns about
what usually goes wrong. Sends no credentials and no mail.

  --security MODE     starttls (default; upgrades when offered) | tls (port 465 style) | none
                      (default: tls when PORT is 465)
  --ca FILE           trust this CA / self-signed certificate when checking the certificate
  --servername NAME   the name to check the certificate against (default: HOST)
  --client-name NAME  EHLO name
  --timeout DURATION  per step (default 10s)
  --transcript        print the SMTP session on stderr
  --json              print the report as JSON on stdout
  --strict            exit 1 when there are warnings, too

PORT defaults to 587 (starttls), 465 (tls) or 25 (none).
Exit codes: 0 probed (see warnings), 1 the server could not be probed (or --strict and warnings), 2 usage.`;

const OPTIONS = {
  server: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  security: { type: 'string' },
  ca: { type: 'string' },
  servername: { type: 'string' },
  'client-name': { type: 'string' },
  timeout: { type: 'string' },
  transcript: { type: 'boolean' },
  json: { type: 'boolean' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_PORTS: Record<ProbeSecurity, number> = { starttls: 587, tls: 465, none: 25 };

export async function probeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 1);
  if (flag(values, 'help')) {
    line(io.stdout, PROBE_HELP);
    return EXIT.ok;
  }
  const server = serverFrom(values, positionals[0]);
  if (server?.host === undefined) throw new UsageError('missing HOST[:PORT] (e.g. mailwire probe smtp.example.com:587)');
  const { host, port } = { host: server.host, port: server.port };
  const securityFlag = str(values, 'security');
  const security: ProbeSecurity = securityFlag !== undefined ? oneOf(securityFlag, ['starttls', 'tls', 'none'] as const, '--security') : port === 465 ? 'tls' : 'starttls';
  const timeout = str(values, 'timeout');
  const ca = str(values, 'ca');
  const servername = str(values, 'servername');
  const clientName = str(values, 'client-name');
  const report = await runProbe({
    host,
    port: port ?? DEFAULT_PORTS[security],
    security,
    timeoutMs: timeout !== undefined ? parseDuration(timeout, '--timeout') : 10_000,
    ...(ca !== undefined ? { ca: await readText(ca, io.cwd, '--ca') } : {}),
    ...(servername !== undefined ? { servername } : {}),
    ...(clientName !== undefined ? { clientName } : {}),
    ...(flag(values, 'transcript') ? { onTranscript: (entry) => line(io.stderr, transcriptLine(entry)) } : {}),
  });
  if (flag(values, 'json')) printJson(io.stdout, report);
  else printProbe(io.stdout, report);
  if (!report.ok) return EXIT.failed;
  return flag(values, 'strict') && report.warnings.length > 0 ? EXIT.failed : EXIT.ok;
}

/** The human form of a probe report (also used by the demo). */
export function printProbe(out: OutputStream, report: ProbeReport): void {
  const where = `${report.host.includes(':') ? `[${report.host}]` : report.host}:${report.port}`;
  const row = (label: string, text: string): void => line(out, `  ${label.padEnd(12)} ${text}`);
  line(out, `probe ${where}, security ${report.security}`);
  if (report.address !== undefined) row('connected', `${report.address} in ${ms(report.timings.connectMs)}`);
  if (report.greeting !== undefined) row('greeting', report.greeting.split('\n').join(' | '));
  if (report.before) row(report.security === 'none' ? 'offers' : 'before TLS', offered(report.before));
  if (report.tls) {
    const tls = report.tls;
    row('TLS', `${tls.protocol}, ${tls.cipher}${report.timings.tlsMs !== undefined ? ` (handshake ${ms(report.timings.tlsMs)})` : ''}`);
    const cert = tls.certificate;
    if (cert) {
      row('certificate', cert.subject || '(no subject)');
      row('', `issued by ${cert.issuer || '?'}`);
      row('', `valid ${cert.validFrom} to ${cert.validTo} (${cert.daysLeft < 0 ? `EXPIRED ${-cert.daysLeft} days ago` : `expires in ${cert.daysLeft} days`})`);
    }
    row('', tls.authorized ? 'verified' : `NOT verified: ${tls.authorizationError ?? 'unknown reason'}`);
  }
  if (report.after) row(report.security === 'tls' ? 'offers' : 'after TLS', offered(report.after));
  const auth = report.after?.auth ?? report.before?.auth;
  if (auth) row('auth', auth.length ? auth.join(' ') : '(none offered)');
  const t = report.timings;
  const steps: Array<[string, number | undefined]> = [['connect', t.connectMs], ['greeting', t.greetingMs], ['EHLO', t.ehloMs], ['TLS', t.tlsMs], ['NOOP', t.noopMs], ['total', t.totalMs]];
  const parts = steps.filter(([, value]) => value !== undefined).map(([name, value]) => `${name} ${ms(value)}`);
  row('timings', parts.join(' · '));
  if (report.error) row('FAILED', `${report.error.code}: ${report.error.message}`);
  if (report.warnings.length) {
    line(out, 'warnings:');
    for (const warning of report.warnings) line(out, `  ! ${warning}`);
  }
}

function offered(features: OfferedFeatures): string {
  return capabilityList(features.capabilities);
}
