/** The `mailwire` entry point as a subprocess: help, version, unknown commands, exit codes. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, type Built } from './cli-harness.js';

let built: Built;
beforeAll(async () => {
  built = await buildCli();
});

describe('mailwire', () => {
  it('starts with a node shebang (the npm bin)', () => {
    expect(readFileSync(built.cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('without a command: the overview on stderr, exit 2; with --help: on stdout, exit 0', async () => {
    const bare = await runCli(built, []);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: mailwire COMMAND');
    const help = await runCli(built, ['--help']);
    expect(help.code).toBe(0);
    for (const command of ['send', 'verify', 'probe', 'bench', 'sink']) expect(help.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli(built, ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown command is a usage error that lists the commands', async () => {
    const r = await runCli(built, ['snd']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'snd' (commands: send, verify, probe, audit, bench, sink, worker)");
  });

  it.each(['send', 'verify', 'probe', 'audit', 'bench', 'sink', 'worker'])('%s --help exits 0 with its usage', async (command) => {
    const r = await runCli(built, [command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: mailwire ${command}`);
  });
});
