/**
 * Runs dkimpy (Debian python3-dkim), a DKIM verifier we did not write, over a message: test/dkim/verify.py
 * with the key records passed as arguments, so no DNS is asked. Installed by
 * test/interop/servers.d/dkim-up.sh, which writes $MW_INTEROP_DIR/dkim.env naming its Python.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, 'verify.py');

/** Debian's Python (where apt puts dkimpy), as dkim-up.sh recorded it; /usr/bin/python3 otherwise. */
export function dkimPython(): string {
  const env = join(process.env.MW_INTEROP_DIR ?? '/tmp/mw-interop', 'dkim.env');
  if (existsSync(env)) {
    const m = /^MW_DKIM_PYTHON=(.+)$/m.exec(readFileSync(env, 'utf8'));
    if (m?.[1]) return m[1].trim();
  }
  return '/usr/bin/python3';
}

export interface Verdict {
  /** One per DKIM-Signature field, top first. */
  results: boolean[];
  errors: string[];
}

/** `records` maps SELECTOR._domainkey.DOMAIN to its TXT record. */
/** `message` is the bytes, or `{ path }` of a file holding them (a large message). */
export async function dkimpyVerify(message: Buffer | { path: string }, records: Record<string, string>): Promise<Verdict> {
  let path = Buffer.isBuffer(message) ? '' : message.path;
  let dir: string | undefined;
  if (Buffer.isBuffer(message)) {
    dir = mkdtempSync(join(tmpdir(), 'mw-dkimpy-'));
    path = join(dir, 'message.eml');
    writeFileSync(path, message);
  }
  try {
    const args = [SCRIPT, path, ...Object.entries(records).map(([name, txt]) => `${name}=${txt}`)];
    const { stdout } = await run(dkimPython(), args, { maxBuffer: 1024 * 1024 });
    return JSON.parse(stdout) as Verdict;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
