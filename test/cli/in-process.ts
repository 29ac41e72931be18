/**
 * Runs a CLI command in this process (the commands are plain functions of argv and io): for tests of what a
 * command prints and returns that do not need the built executable, so they skip the build.
 */
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Abort to play Ctrl+C (the sink runs until then). */
  interrupted?: AbortSignal;
  /** Sees stdout as it is written (to read a banner while the command still runs). */
  onStdout?: (text: string) => void;
}

export async function runInProcess(argv: string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(stdout);
        return true;
      },
    },
    stderr: { write: (text: string) => ((stderr += text), true) },
    stdin: Readable.from([]),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    interrupted: options.interrupted ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}
