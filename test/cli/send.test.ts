/**
 * `mailwire send`, run as a subprocess against a STARTTLS + AUTH sink on 127.0.0.1: flags, the config
 * file with ${ENV} expansion, attachments, headers, the redacted transcript, --json, and every usage error.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, TEST_CERTIFICATE, type SinkServer, type SunkMessage } from '../../src/sink/index.js';
import { buildCli, closedPort, runCli, type Built } from './cli-harness.js';

const PASSWORD = 'pw-Sup3r-s3cret';
let built: Built;
let sink: SinkServer;
let dir: string;
const received: SunkMessage[] = [];

beforeAll(async () => {
  built = await buildCli();
  sink = await startSink({ tls: true, auth: { user: 'alice', pass: PASSWORD }, onMessage: (m) => void received.push(m) });
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-cli-send-'));
  await writeFile(path.join(dir, 'ca.pem'), TEST_CERTIFICATE);
  await writeFile(path.join(dir, 'report.txt'), 'attached bytes 12345\n');
  await writeFile(path.join(dir, 'body.html'), '<p>Hello <b>HTML</b></p>');
});

afterAll(async () => {
  await sink?.close();
});

function server(): string[] {
  return ['--host', '127.0.0.1', '--port', String(sink.port), '--ca', 'ca.pem'];
}

function lastRaw(): string {
  return received.at(-1)?.raw?.toString('utf8') ?? '';
}

describe('mailwire send', () => {
  it('sends with flags, a password from --pass-env, an attachment and a custom header', async () => {
    const before = received.length;
    const r = await runCli(
      built,
      ['send', ...server(), '--user', 'alice', '--pass-env', 'MY_PASS', '--from', 'Alice <alice@example.test>', '--to', 'bob@example.test,carol@example.test',
        '--subject', 'Quarterly', '--text', 'plain body', '--html-file', 'body.html', '--attach', 'report.txt', '--header', 'X-Campaign: q3'],
      { env: { MY_PASS: PASSWORD }, cwd: dir },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sent <[^>]+> to bob@example.test, carol@example.test via 127\.0\.0\.1:\d+/);
    expect(received.length).toBe(before + 1);
    const m = received.at(-1) as SunkMessage;
    expect(m.to).toEqual(['bob@example.test', 'carol@example.test']);
    expect(m.secure).toBe(true);
    expect(m.authUser).toBe('alice');
    const raw = lastRaw();
    expect(raw).toMatch(/^Subject: Quarterly\r$/m);
    expect(raw).toMatch(/^X-Campaign: q3\r$/m);
    expect(raw).toContain('multipart/alternative');
    expect(raw).toContain('filename=report.txt');
    expect(raw).toContain(Buffer.from('attached bytes 12345\n').toString('base64'));
  });

  it('reads the connection from a config file with ${ENV} expansion; flags override it', async () => {
    await writeFile(
      path.join(dir, 'smtp.json'),
      JSON.stringify({ host: '${SMTP_HOST}', port: '${SMTP_PORT}', security: 'starttls', user: 'alice', pass: '${SMTP_PASS}', from: 'cfg@example.test', tls_ca_file: 'ca.pem', client_name: 'cli.test' }),
    );
    const r = await runCli(built, ['send', '--config', 'smtp.json', '--to', 'dave@example.test', '--subject', 'From config', '--text', 'x'], {
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), SMTP_PASS: PASSWORD },
      cwd: dir,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = received.at(-1) as SunkMessage;
    expect(m.from).toBe('cfg@example.test');
    expect(m.helo).toBe('cli.test');
    expect(m.to).toEqual(['dave@example.test']);

    const override = await runCli(built, ['send', '--config', 'smtp.json', '--from', 'flag@example.test', '--to', 'dave@example.test', '--subject', 'x', '--text', 'x'], {
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), SMTP_PASS: PASSWORD },
      cwd: dir,
    });
    expect(override.code).toBe(0);
    expect(received.at(-1)?.from).toBe('flag@example.test');
  });

  it('names the missing environment variable and exits 2 without connecting', async () => {
    await writeFile(path.join(dir, 'missing.json'), JSON.stringify({ host: '127.0.0.1', port: sink.port, user: 'alice', pass: '${NOT_SET_ANYWHERE}', from: 'a@example.test' }));
    const before = sink.stats.connections;
    const r = await runCli(built, ['send', '-c', 'missing.json', '--to', 'b@example.test', '--subject', 's', '--text', 't'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('NOT_SET_ANYWHERE');
    expect(r.stderr).toContain('"pass"');
    expect(r.stderr).toContain('not set');
    expect(sink.stats.connections).toBe(before);
  });

  it('--transcript shows the session on stderr with AUTH redacted, and never the password', async () => {
    const r = await runCli(
      built,
      ['send', ...server(), '--user', 'alice', '--pass-env', 'P', '--from', 'a@example.test', '--to', 'b@example.test', '--subject', 's', '--text', 't', '--transcript'],
      { env: { P: PASSWORD }, cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('C: STARTTLS');
    expect(r.stderr).toMatch(/^C: AUTH PLAIN <redacted>$/m);
    expect(r.stderr).toContain('S: 235 2.7.0 Authentication successful');
    expect(r.stderr).toMatch(/^C: MAIL FROM:<a@example.test>/m);
    const everything = r.stdout + r.stderr;
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(`\0alice\0${PASSWORD}`).toString('base64'));
    expect(everything).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  });

  it('--json prints the result object', async () => {
    const r = await runCli(
      built,
      ['send', ...server(), '--user', 'alice', '--pass-env', 'P', '--from', 'a@example.test', '--to', 'b@example.test', '--cc', 'c@example.test', '--bcc', 'd@example.test', '--subject', 's', '--text', 't', '--json'],
      { env: { P: PASSWORD }, cwd: dir },
    );
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(info.ok).toBe(true);
    expect(info.messageId).toMatch(/^<.+@.+>$/);
    expect(info.envelope).toEqual({ from: 'a@example.test', to: ['b@example.test', 'c@example.test', 'd@example.test'] });
    expect(info.accepted).toEqual(['b@example.test', 'c@example.test', 'd@example.test']);
    expect(info.rejected).toEqual([]);
    expect(info.response).toMatch(/^250 /);
    expect(info.attempts).toBe(1);
    expect(lastRaw()).not.toMatch(/^Bcc:/im);
  });

  it('reads the text body from stdin with --text-file -', async () => {
    const r = await runCli(
      built,
      ['send', ...server(), '--user', 'alice', '--pass-file', 'pass.txt', '--from', 'a@example.test', '--to', 'b@example.test', '--subject', 'stdin', '--text-file', '-'],
      { cwd: dir, input: 'body from stdin\n' },
    );
    // pass.txt does not exist yet: a usage error naming the file
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pass-file pass.txt');
    await writeFile(path.join(dir, 'pass.txt'), `${PASSWORD}\n`);
    const ok = await runCli(
      built,
      ['send', ...server(), '--user', 'alice', '--pass-file', 'pass.txt', '--from', 'a@example.test', '--to', 'b@example.test', '--subject', 'stdin', '--text-file', '-'],
      { cwd: dir, input: 'body from stdin\n' },
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(lastRaw()).toContain('body from stdin');
  });
});

describe('mailwire send: failures', () => {
  it('wrong password: exit 1, EAUTH with the server words, and the provider hint', async () => {
    const r = await runCli(
      built,
      ['send', '--provider', 'gmail', ...server(), '--security', 'starttls', '--user', 'alice', '--pass-env', 'P', '--from', 'a@example.test', '--to', 'b@example.test', '--subject', 's', '--text', 't'],
      { env: { P: 'wrong-password' }, cwd: dir },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EAUTH');
    expect(r.stderr).toContain('535 5.7.8 Authentication credentials invalid');
    expect(r.stderr).toContain('app password');
    expect(r.stderr).not.toContain('wrong-password');
  });

  it('wrong password without a preset: exit 1 and the generic app-password hint; --json carries the error', async () => {
    const r = await runCli(
      built,
      ['send', ...server(), '--user', 'alice', '--pass-env', 'P', '--from', 'a@example.test', '--to', 'b@example.test', '--subject', 's', '--text', 't', '--json'],
      { env: { P: 'nope' }, cwd: dir },
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: Record<string, unknown> };
    expect(out.ok).toBe(false);
    expect(out.error.code).toBe('EAUTH');
    expect(out.error.replyCode).toBe(535);
    expect(out.error.enhancedCode).toBe('5.7.8');
    expect(String(out.error.hint)).toContain('app password');
  });

  it('nothing listening: exit 1 with ECONNECTION and a hint', async () => {
    const port = await closedPort();
    const r = await runCli(built, ['send', '--host', '127.0.0.1', '--port', String(port), '--from', 'a@example.test', '--to', 'b@example.test', '--subject', 's', '--text', 't'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ECONNECTION');
    expect(r.stderr).toContain('hint:');
  });

  const base = ['send', '--host', '127.0.0.1', '--from', 'a@example.test', '--subject', 's', '--text', 't'];
  const usage: Array<[string, string[], RegExp]> = [
    ['unknown flag (with a suggestion)', [...base, '--to', 'b@example.test', '--subjct', 'x'], /unknown option --subjct \(did you mean --subject\?\)/],
    ['missing --to', base, /missing --to/],
    ['bad port', [...base, '--to', 'b@example.test', '--port', '99999'], /--port must be a number from 1 to 65535, got '99999'/],
    ['non-numeric port', [...base, '--to', 'b@example.test', '--port', 'smtp'], /--port must be a number/],
    ['unreadable attachment', [...base, '--to', 'b@example.test', '--attach', 'no-such-file.pdf'], /--attach no-such-file\.pdf: cannot read the file \(ENOENT\)/],
    ['unreadable config file', ['send', '--config', 'nope.json', '--to', 'b@example.test', '--subject', 's', '--text', 't'], /cannot read the config file nope\.json/],
    ['password on the command line', [...base, '--to', 'b@example.test', '--pass', 'x'], /--pass is not accepted/],
    ['--pass-env naming an unset variable', [...base, '--to', 'b@example.test', '--user', 'u', '--pass-env', 'UNSET_VAR_X'], /UNSET_VAR_X.*not set/],
    ['a user without a password', [...base, '--to', 'b@example.test', '--user', 'u'], /no password for u/],
    ['two bodies', [...base, '--to', 'b@example.test', '--body', 'a'], /give one of --text, --body or --text-file/],
    ['bad security', [...base, '--to', 'b@example.test', '--security', 'ssl'], /--security must be one of starttls, tls, opportunistic, none/],
    ['malformed --header', [...base, '--to', 'b@example.test', '--header', 'NoColonHere'], /expected 'Name: value'/],
    ['a reserved header (refused by the library guard)', [...base, '--to', 'b@example.test', '--header', 'Bcc: x@example.test'], /EGUARD/],
    ['a bad recipient address', [...base, '--to', 'not an address'], /EGUARD/],
    ['unknown provider', [...base, '--to', 'b@example.test', '--provider', 'nosuchmail'], /Unknown provider "nosuchmail"/],
  ];
  it.each(usage)('%s: exit 2 with a clear message', async (_name, args, message) => {
    const r = await runCli(built, args, { cwd: dir });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});
