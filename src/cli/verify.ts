/**
 * `mailwire verify`: is this configuration right? Connect, TLS, AUTH, QUIT, and a one-word verdict.
 * With --to it also sends a test message that says which host, port, security and user delivered it, so
 * the recipient can tell which of several configurations worked.
 */
import { createTransport, type VerifyReport } from '../transport/transport.js';
import type { ResolvedConfig } from '../transport/config.js';
import { flag, parse, str } from './args.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, buildConnection } from './connection-flags.js';
import { capabilityList, errorJson, exitCodeFor, ms, printError } from './format.js';
import { EXIT, line, printJson, type CliIo, type OutputStream } from './io.js';
import { transcriptLine } from './send.js';

export const VERIFY_HELP = `Usage: mailwire verify [HOST[:PORT]] [connection] [--to ADDR] [--transcript] [--json]

Checks a configuration without sending mail: connects, negotiates TLS, authenticates, QUITs.
  --to ADDR       also send a test message to ADDR (needs --from or "from" in the config file)
  --transcript    print the SMTP session on stderr (AUTH secrets redacted)
  --json          print the report as JSON on stdout

${CONNECTION_HELP}

Exit codes: 0 the configuration works, 1 it does not, 2 usage/config error.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  to: { type: 'string' },
  transcript: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function verifyCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 1);
  if (flag(values, 'help')) {
    line(io.stdout, VERIFY_HELP);
    return EXIT.ok;
  }
  const json = flag(values, 'json');
  const to = str(values, 'to');
  const { config, warnings } = await buildConnection(values, io, positionals[0]);
  for (const warning of warnings) line(io.stderr, `mailwire: warning: ${warning}`);
  if (flag(values, 'transcript')) config.onTranscript = (entry) => line(io.stderr, transcriptLine(entry));
  if (to !== undefined && config.from === undefined) {
    line(io.stderr, 'mailwire verify: --to needs a sender: add --from ADDR (or "from" in the config file)');
    return EXIT.usage;
  }
  const transport = createTransport({ ...config, retry: { attempts: 1 } });
  const resolved = transport.configs[0] as ResolvedConfig;
  const where = `${resolved.host}:${resolved.port} (${resolved.security})`;
  try {
    const report = await transport.verify(to !== undefined ? { to } : {});
    const failure = report.testMessage?.error;
    if (json) {
      const testMessage = report.testMessage && { ...report.testMessage, ...(failure ? { error: errorJson(failure) } : {}) };
      printJson(io.stdout, { ...report, ...(testMessage ? { testMessage } : {}) });
    } else {
      printReport(io.stdout, where, report, resolved);
    }
    if (failure) {
      printError(io.stderr, `FAILED  ${where}: the test message was refused: `, failure);
      if (report.authRequired) line(io.stderr, '  the server requires authentication: add --user USER with --pass-env VAR (or --pass-file FILE)');
    } else if (report.testMessage && !report.testMessage.sent) {
      for (const r of report.testMessage.rejected) line(io.stderr, `mailwire verify: refused ${r.address}: ${r.code}${r.enhancedCode ? ` ${r.enhancedCode}` : ''} ${r.message}`);
    }
    return report.ok ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (json) printJson(io.stdout, { ok: false, host: resolved.host, port: resolved.port, security: resolved.security, error: errorJson(error) });
    printError(io.stderr, `FAILED  ${where}: `, error);
    return exitCodeFor(error);
  } finally {
    await transport.close();
  }
}

function printReport(out: OutputStream, where: string, report: VerifyReport, config: ResolvedConfig): void {
  const offersAuth = Object.keys(report.capabilities).some((k) => k === 'AUTH' || k === 'AUTH=');
  const sent = report.testMessage;
  if (!report.ok) line(out, `FAILED  ${where}: connected${report.authMethod ? ' and authenticated' : ''}, but the test message was not accepted`);
  else if (!report.authMethod && offersAuth && !sent) {
    // Many servers that offer AUTH refuse every recipient without it (554 5.7.1 Access denied): only a
    // test message can tell, so this is not called a working configuration.
    line(out, `OK  ${where}: the connection works; authentication not tested (no --user) although the server offers AUTH: it may refuse mail without it (try --to ADDR)`);
  } else line(out, `OK  ${where}: the configuration works`);
  line(out, `  greeting  ${report.greeting.split('\n')[0] ?? ''}`);
  if (report.tls) {
    const verified = report.tls.authorized ? 'certificate verified' : 'certificate NOT verified (verification is off)';
    line(out, `  TLS       ${report.tls.protocol} ${report.tls.cipher}, ${verified}`);
  } else {
    line(out, '  TLS       none: the session is plaintext');
  }
  if (report.authMethod) line(out, `  auth      ${report.authMethod} as ${config.auth?.user ?? '?'}`);
  else line(out, '  auth      not tested (no --user given)');
  line(out, `  offers    ${capabilityList(report.capabilities)}`);
  const t = report.timings;
  const parts = [`connect ${ms(t.connectMs)}`];
  if (t.tlsMs !== undefined) parts.push(`TLS ${ms(t.tlsMs)}`);
  if (t.authMs !== undefined) parts.push(`auth ${ms(t.authMs)}`);
  parts.push(`total ${ms(t.totalMs)}`);
  line(out, `  timings   ${parts.join(', ')}`);
  if (sent?.sent) line(out, `  test message ${sent.messageId} sent to ${sent.accepted.join(', ')}: ${(sent.response ?? '').split('\n')[0] ?? ''}`);
  if (report.authRequired) line(out, '  auth      REQUIRED: the server refused the test message without authentication');
}
