/** `mailwire send`: one message from flags (and a config file), through the transport. */
import { access, constants, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatDate } from '../mime/date.js';
import type { Readable } from 'node:stream';
import { createTransport, type SendInfo } from '../transport/transport.js';
import type { Attachment, MailMessage } from '../mime/message.js';
import type { TranscriptEntry } from '../connection/transcript.js';
import { UsageError, flag, parse, str, strs, type ParsedValues } from './args.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, buildConnection, readText } from './connection-flags.js';
import { oneOf } from './config-file.js';
import { errorJson, exitCodeFor, ms, printError } from './format.js';
import { EXIT, line, printJson, type CliIo, type OutputStream } from './io.js';

export const SEND_HELP = `Usage: mailwire send [HOST[:PORT]] [connection] --to ADDR[,ADDR] [--from ADDR] [--subject TEXT]
                     [--text TEXT | --body TEXT | --text-file FILE] [--html HTML | --html-file FILE] [options]

Message (swaks' names work too: --server, --auth-user, --auth-password, --body):
  --from ADDR             sender ("Name <a@example.com>" works; default: "from" in the config file,
                          else $USER@this-host when the host name is a domain)
  --to, --cc, --bcc ADDR  recipients; repeat the flag or give a comma-separated list
  --reply-to ADDR         Reply-To header
  --subject TEXT          subject line (default: "test" and the date)
  --text TEXT, --body TEXT  plain-text body (default: a one-line test text); --body -: stdin, @FILE: a file
  --text-file FILE        plain-text body from FILE ("-" reads stdin)
  --html HTML             HTML body (with a text body too: multipart/alternative)
  --html-file FILE        HTML body from FILE
  --attach FILE           attach a file (repeatable)
  --header 'Name: value'  extra header (repeatable)
  --priority LEVEL        high | normal | low

Output:
  --transcript            print the SMTP session on stderr (AUTH secrets redacted)
  --json                  print the result (or the error) as JSON on stdout

${CONNECTION_HELP}

Exit codes: 0 sent to every recipient, 1 delivery failed (or a recipient was refused), 2 usage/config error.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  to: { type: 'string', multiple: true },
  cc: { type: 'string', multiple: true },
  bcc: { type: 'string', multiple: true },
  'reply-to': { type: 'string' },
  subject: { type: 'string', short: 's' },
  text: { type: 'string' },
  'text-file': { type: 'string' },
  body: { type: 'string' },
  html: { type: 'string' },
  'html-file': { type: 'string' },
  attach: { type: 'string', multiple: true, short: 'a' },
  header: { type: 'string', multiple: true, short: 'H' },
  priority: { type: 'string' },
  transcript: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function sendCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 1);
  if (flag(values, 'help')) {
    line(io.stdout, SEND_HELP);
    return EXIT.ok;
  }
  const json = flag(values, 'json');
  const message = await buildMessage(values, io);
  const { config, warnings } = await buildConnection(values, io, positionals[0]);
  if (message.from === undefined && config.from === undefined) message.from = defaultSender(io.env);
  for (const warning of warnings) line(io.stderr, `mailwire: warning: ${warning}`);
  if (flag(values, 'transcript')) config.onTranscript = (entry) => line(io.stderr, transcriptLine(entry));

  const transport = createTransport(config);
  try {
    const info = await transport.send(message, { signal: io.interrupted });
    if (json) printJson(io.stdout, { ok: info.rejected.length === 0, ...info });
    else printSent(io.stdout, io.stderr, info, transport.configs[info.via.index]?.security ?? '?');
    return info.rejected.length === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (json) printJson(io.stdout, { ok: false, error: errorJson(error) });
    const used = transport.configs[0];
    printError(io.stderr, used ? `mailwire send (${used.host}:${used.port}, security ${used.security}): ` : 'mailwire send: ', error);
    return exitCodeFor(error);
  } finally {
    await transport.close();
  }
}

/** "C: EHLO ..." / "S: 250 ..." / "* TLS established ..." */
export function transcriptLine(entry: TranscriptEntry): string {
  return `${entry.dir === 'i' ? '*' : entry.dir}: ${entry.line}`;
}

function printSent(out: OutputStream, err: OutputStream, info: SendInfo, security: string): void {
  const attempts = info.attempts > 1 ? `, ${info.attempts} attempts` : '';
  line(out, `sent ${info.messageId} to ${info.accepted.join(', ')} via ${info.via.host}:${info.via.port}, security ${security} (${ms(info.durationMs)}${attempts})`);
  line(out, `  server: ${info.response.split('\n')[0] ?? ''}`);
  for (const r of info.rejected) {
    line(err, `mailwire send: refused ${r.address}: ${r.code}${r.enhancedCode ? ` ${r.enhancedCode}` : ''} ${r.message}`);
  }
}

async function buildMessage(values: ParsedValues, io: CliIo): Promise<MailMessage> {
  const to = list(values, 'to');
  const cc = list(values, 'cc');
  const bcc = list(values, 'bcc');
  if (to.length + cc.length + bcc.length === 0) throw new UsageError('missing --to (at least one recipient: --to, --cc or --bcc)');
  // swaks' defaults: a test subject with the date and a short body, so `send --to ADDR` is a test.
  const subject = str(values, 'subject') ?? `test ${formatDate(new Date())}`;

  const message: MailMessage = { subject };
  if (to.length) message.to = to;
  if (cc.length) message.cc = cc;
  if (bcc.length) message.bcc = bcc;
  const from = str(values, 'from');
  if (from !== undefined) message.from = from;
  const replyTo = str(values, 'reply-to');
  if (replyTo !== undefined) message.replyTo = replyTo;
  const priority = str(values, 'priority');
  if (priority !== undefined) message.priority = oneOf(priority, ['high', 'normal', 'low'] as const, '--priority');

  const text = str(values, 'text');
  const body = str(values, 'body');
  const textFile = str(values, 'text-file');
  const html = str(values, 'html');
  const htmlFile = str(values, 'html-file');
  if ([text, body, textFile].filter((v) => v !== undefined).length > 1) throw new UsageError('give one of --text, --body or --text-file');
  if (html !== undefined && htmlFile !== undefined) throw new UsageError('give either --html or --html-file, not both');
  if (text !== undefined) message.text = text;
  if (body !== undefined) message.text = body === '-' ? await readStdin(io.stdin) : body.startsWith('@') ? await readText(body.slice(1), io.cwd, '--body') : body;
  if (textFile !== undefined) message.text = textFile === '-' ? await readStdin(io.stdin) : await readText(textFile, io.cwd, '--text-file');
  if (html !== undefined) message.html = html;
  if (htmlFile !== undefined) message.html = await readText(htmlFile, io.cwd, '--html-file');
  if (message.text === undefined && message.html === undefined) message.text = 'This is a test message sent by mailwire send.\n';

  const headers = strs(values, 'header').map(parseHeader);
  if (headers.length) message.headers = headers;
  const attachments: Attachment[] = [];
  for (const file of strs(values, 'attach')) attachments.push(await attachment(file, io.cwd));
  if (attachments.length) message.attachments = attachments;
  return message;
}

/**
 * swaks' default sender: the user at this host, when the host name is a domain (a bare "laptop" would give
 * an address most servers refuse, so then the error says to give --from).
 */
export function defaultSender(env: Record<string, string | undefined>, hostname = os.hostname()): string {
  const user = env.USER ?? env.LOGNAME ?? env.USERNAME;
  const host = hostname.trim().toLowerCase();
  if (user === undefined || !/^[A-Za-z0-9._+-]+$/.test(user)) throw new UsageError('missing --from: there is no default sender ($USER is not set or not usable in an address)');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) {
    throw new UsageError(`missing --from: there is no default sender (this host's name "${host}" is not a domain, so ${user}@${host} would be refused)`);
  }
  return `${user}@${host}`;
}

/**
 * Every address of a repeatable flag, comma lists split, as one list: then the library names a bad one by
 * its place among all of them (--to 'a@x,bad@@x' is to[1]).
 */
function list(values: ParsedValues, name: string): string[] {
  return strs(values, name).flatMap(splitAddresses).filter((v) => v.trim() !== '');
}

/** Splits at commas outside quotes, <...>, (...) and groups (Team: a@x, b@x;), so "Doe, John" <j@x> stays one. */
export function splitAddresses(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  let group = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '\\') {
        current += c + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') angle++;
    else if (c === '>' && angle > 0) angle--;
    else if (c === '(') comment++;
    else if (c === ')' && comment > 0) comment--;
    else if (c === ':' && angle === 0 && comment === 0) group = true;
    else if (c === ';' && group) group = false;
    else if (c === ',' && angle === 0 && comment === 0 && !group) {
      out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  out.push(current.trim());
  return out.filter((a) => a !== '');
}

function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError(`--header '${text}': expected 'Name: value'`);
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()];
}

/** Checked now, so a typo in a path is a usage error before any connection is made. */
async function attachment(file: string, cwd: string): Promise<Attachment> {
  const absolute = path.resolve(cwd, file);
  try {
    await access(absolute, constants.R_OK);
    if (!(await stat(absolute)).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a regular file' });
  } catch (error) {
    throw new UsageError(`--attach ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { path: absolute, filename: path.basename(absolute) };
}

async function readStdin(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
