/**
 * A test file's own temporary directory: os.tmpdir() follows TMPDIR, so pointing TMPDIR at a fresh
 * directory for the file's tests shows exactly which temporary files the code left behind.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface OwnTmpdir {
  /** The directory TMPDIR names while the file's tests run. */
  dir: string;
  /** The names in it that start with `prefix`. */
  entries(prefix: string): string[];
}

/** Call at the top of a test file: TMPDIR is set before its tests and restored, the directory removed, after. */
export function useOwnTmpdir(prefix: string): OwnTmpdir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const saved = process.env.TMPDIR;
  beforeAll(() => {
    process.env.TMPDIR = dir;
  });
  afterAll(() => {
    // Assigning undefined would set the string "undefined".
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, entries: (start) => readdirSync(dir).filter((name) => name.startsWith(start)) };
}
