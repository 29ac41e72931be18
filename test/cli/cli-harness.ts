/**
 * Runs the BUILT command line as a user would: `node <build>/dist/cli/bin.js ...` in a child process. The
 * build is the one that ships (scripts/build-esm.mjs: bundled, with chunks), so these tests also check
 * that the bundle finds the files it loads by path (package.json, the bench worker).
 *
 * The build goes to a private directory keyed by a hash of the sources (not the shared ./dist, which other
 * work in this tree may delete and rebuild at any moment). Test files that run at the same time each
 * build into their own staging directory and the first to finish wins the rename; later runs reuse it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

export interface Built {
  root: string;
  cli: string;
  demo: string;
}

export async function buildCli(): Promise<Built> {
  const final = path.join(os.tmpdir(), `mailwire-cli-build-${sourceHash()}`);
  const built = { root: final, cli: path.join(final, 'dist/cli/bin.js'), demo: path.join(final, 'dist/cli/demo.js') };
  if (existsSync(built.cli)) return built;
  const staging = mkdtempSync(path.join(os.tmpdir(), 'mailwire-cli-staging-'));
  try {
    await run(process.execPath, [path.join(ROOT, 'scripts/build-esm.mjs'), path.join(staging, 'dist')], { cwd: ROOT });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  cpSync(path.join(ROOT, 'package.json'), path.join(staging, 'package.json'));
  try {
    renameSync(staging, final);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test file finished first
  }
  pruneOldBuilds(final);
  return built;
}

/** Builds of older sources pile up in the temp dir; ones untouched for a day are surely unused. */
function pruneOldBuilds(keep: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(os.tmpdir())) {
    const dir = path.join(os.tmpdir(), name);
    if (!/^mailwire-cli-(build|staging)-/.test(name) || dir === keep) continue;
    try {
      if (statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
    } catch {
      // raced with another test process: fine
    }
  }
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.ts')) hash.update(file).update(readFileSync(file));
    }
  };
  walk(path.join(ROOT, 'src'));
  hash.update(readFileSync(path.join(ROOT, 'package.json')));
  hash.update(readFileSync(path.join(ROOT, 'scripts/build-esm.mjs')));
  return hash.digest('hex').slice(0, 16);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs the CLI to completion; `env` is added to a minimal environment (no inherited SMTP_* by accident). */
export function runCli(built: Built, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(built.cli, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mailwire ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

export function spawnCli(script: string, args: string[], options: RunOptions = {}): ChildProcess {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...options.env };
  return spawn(process.execPath, [script, ...args], { cwd: options.cwd ?? os.tmpdir(), env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** `mailwire sink --json ...` as a child process: resolves once it listens, with its events as they come. */
export interface CliSink {
  port: number;
  events: Array<Record<string, unknown>>;
  stdout: () => string;
  /** Waits until `n` message events have arrived. */
  messages(n: number): Promise<Array<Record<string, unknown>>>;
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>;
}

export function startCliSink(built: Built, args: string[]): Promise<CliSink> {
  const child = spawnCli(built.cli, ['sink', '--port', '0', '--json', ...args]);
  const events: Array<Record<string, unknown>> = [];
  let stdout = '';
  let stderr = '';
  let pending = '';
  const waiters = new Set<() => void>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sink did not start: ${stderr}`)), 10_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => reject(new Error(`sink exited early (${code}): ${stderr}`)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const event = JSON.parse(text) as Record<string, unknown>;
        events.push(event);
        for (const wake of waiters) wake();
        if (event.event === 'listening') {
          clearTimeout(timer);
          resolve({
            port: event.port as number,
            events,
            stdout: () => stdout,
            messages: (n) =>
              new Promise((done) => {
                const check = (): void => {
                  const found = events.filter((e) => e.event === 'message');
                  if (found.length >= n) {
                    waiters.delete(check);
                    done(found);
                  }
                };
                waiters.add(check);
                check();
              }),
            stop: () =>
              new Promise((done) => {
                child.removeAllListeners('close');
                child.on('close', (code) => done(code));
                child.kill('SIGINT');
              }),
          });
        }
      }
    });
  });
}

/** A loopback port with nothing listening on it (bound, then closed). */
export { closedPort } from '../helpers/ports.js';
