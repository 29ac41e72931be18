/**
 * How the CLI shows failures and numbers: one line that names the error code and the server's own words,
 * a hint for the mistakes people actually make, and the exit code that goes with it.
 */
import { SmtpError } from '../errors.js';
import { explainError } from '../transport/hints.js';
import { UsageError } from './args.js';
import { cliHint } from './hint-terms.js';
import { EXIT, line, type OutputStream } from './io.js';

/** 2 for a mistake in the call or configuration, 1 for everything that failed on the way to the server. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (SmtpError.is(error) && (error.code === 'ECONFIG' || error.code === 'EGUARD')) return EXIT.usage;
  return EXIT.failed;
}

/** Lines describing an error for people; never contains secrets (SmtpError guarantees that for its fields). */
export function describeError(error: unknown): string[] {
  if (error instanceof UsageError) return [error.message];
  if (!SmtpError.is(error)) return [`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`];
  const lines = [`${error.code}: ${oneLine(messageWithoutHint(error))}`];
  if (error.phase === 'compose' || error.phase === 'config') return lines; // the message says it all
  const details: string[] = [`phase ${error.phase}`];
  if (error.response !== undefined && !error.message.includes(firstLine(error.response))) details.push(`server said: ${firstLine(error.response)}`);
  if (error.delivery === 'unknown') details.push('delivery UNKNOWN: the connection died after the message was sent; check before resending');
  else details.push('nothing was delivered');
  lines.push(`  ${details.join(' · ')}`);
  const hint = hintFor(error);
  if (hint) lines.push(`  hint: ${hint}`);
  return lines;
}

/** Prints an error: the first line after `prefix`, the details indented under it. */
export function printError(stream: OutputStream, prefix: string, error: unknown): void {
  const [first = '', ...rest] = describeError(error);
  line(stream, `${prefix}${first}`);
  for (const text of rest) line(stream, text);
}

/** The JSON form of an error, for --json output. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (SmtpError.is(error)) {
    const out = error.toJSON();
    const hint = hintFor(error);
    if (hint) out.hint = hint;
    return out;
  }
  if (error instanceof UsageError) return { name: 'UsageError', code: 'EUSAGE', message: error.message };
  return { name: 'Error', code: 'EINTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** The fix for a failure, in the CLI's flag terms (the library's SmtpError.hint / explainError). */
export function hintFor(error: SmtpError): string | undefined {
  const hint = explainError(error);
  return hint === undefined ? undefined : cliHint(hint);
}

/**
 * The error's message without the library's advice in library terms ("... (hint: ...)" from a preset,
 * "TLS failed: ... (trust its CA with tls.ca ...)"): the hint line says it in flag terms instead.
 */
function messageWithoutHint(error: SmtpError): string {
  const hint = error.hint;
  if (hint === undefined) return error.message;
  for (const tail of [` (hint: ${hint})`, ` (${hint})`]) {
    if (error.message.endsWith(tail)) return error.message.slice(0, -tail.length);
  }
  return error.message;
}

/** OpenSSL messages end in newlines; one error is one line. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

// ---- numbers ----

export function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function bytes(value: number): string {
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(1)} GiB`;
  if (value >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${value} B`;
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** "KEY a b" for each EHLO keyword, in the server's order. */
export function capabilityList(keywords: Record<string, string[]>): string {
  const items = Object.entries(keywords).map(([k, params]) => (params.length ? `${k} ${params.join(' ')}` : k));
  return items.length ? items.join(', ') : '(none)';
}
