/**
 * What the package lets a user import: `mailwire` (and its package.json). The layers under it
 * (connection, protocol, sasl, pool, tls, guards, ...) are reached only through src/index.ts, so their
 * files can move and their internal hooks stay internal. No wildcard subpath either.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
const INTERNAL = ['connection', 'protocol', 'sasl', 'pool', 'tls', 'guards', 'mime', 'transport', 'sink', 'bench-engine', 'cli', 'errors'];

function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

describe('package.json exports', () => {
  it('has the root entry, no wildcard, and no subpath into an internal layer', () => {
    expect(Object.keys(pkg.exports)).toContain('.');
    for (const [subpath, value] of Object.entries(pkg.exports)) {
      expect(subpath.includes('*'), subpath).toBe(false);
      for (const target of targets(value)) {
        const room = target.replace(/^\.\/dist\//, '').split('/')[0] ?? '';
        if (subpath !== '.' && subpath !== './package.json') expect(INTERNAL, `${subpath} -> ${target}`).not.toContain(room.replace(/\.(d\.)?[cm]?[jt]s$/, ''));
      }
    }
  });
});
