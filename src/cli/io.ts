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

export function line(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
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
