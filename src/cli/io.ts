/**
 * What a command may touch of the outside world, passed in rather than taken from `process`, so a
 * command is a plain async function (argv, io) -> exit code that can run in-process too.
 */
import type { Readable } from 'node:stream';

export interface OutputStream {
  write(text: string): unknown;
  /** True when a person is probably watching (progress bars, colours). */
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: Readable;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Fires when the user asks to stop (Ctrl+C / SIGTERM). */
  interrupted: AbortSignal;
}

export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Exit codes of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Writes one line of human output. Server replies, certificate names and error texts are chosen by the
 * server, so control characters (ESC sequences can rewrite the terminal, retitle it or hide text; a bare CR
 * can overwrite a line) are shown escaped, never passed to the terminal. JSON output escapes them itself.
 */
export function line(stream: OutputStream, text = ''): void {
  stream.write(`${neutralizeControls(text)}\n`);
}

export function neutralizeControls(text: string): string {
  // C0 controls except TAB and LF, DEL, and the C1 range (0x9b is a one-byte CSI on some terminals).
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function printJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function processIo(interrupted: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    interrupted,
  };
}
