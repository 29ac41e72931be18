// Issue 18 against real Postfix: the submission port refuses an unauthenticated recipient with
// 554 5.7.1 (relay access denied). The error says to log in, verify({ to }) reports authRequired, and
// `mailwire verify` does not call that configuration working.
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireServers } from './harness.js';
import { failure, interopTransport, withTransport } from './mailwire-client.js';
import { runInProcess } from '../cli/in-process.js';

const servers = requireServers();
const { ports } = servers;

describe('Postfix submission without credentials', () => {
  it('the 554 5.7.1 refusal carries the hint to set auth', async () => {
    const client = interopTransport(servers, { port: ports.submission, security: 'starttls' });
    const error = await failure(withTransport(client, (t) => t.send({ from: 'a@example.com', to: 'r@example.org', text: 'never sent' })));
    expect(error).toMatchObject({ code: 'EENVELOPE', replyCode: 554, enhancedCode: '5.7.1' });
    expect(error.hint).toBe('the server requires authentication before it accepts mail: set auth: { user, pass }');
  });

  it('verify({ to }) reports authRequired, ok false, nothing delivered', async () => {
    const client = interopTransport(servers, { port: ports.submission, security: 'starttls' });
    const report = await withTransport(client, (t) => t.verify({ to: 'r@example.org', from: 'a@example.com' }));
    expect(report).toMatchObject({ ok: false, authRequired: true, security: 'starttls' });
    expect(report.testMessage?.error?.replyCode).toBe(554);
  });

  it('mailwire verify: no "configuration works"; with --to FAILED and the --user hint', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-interop-cli-'));
    await writeFile(path.join(dir, 'ca.pem'), servers.tls.caPem);
    const conn = [`127.0.0.1:${ports.submission}`, '--ca', 'ca.pem', '--servername', servers.tls.serverName];
    const bare = await runInProcess(['verify', ...conn], { cwd: dir });
    expect(bare.stdout).not.toContain('the configuration works');
    expect(bare.stdout).toContain('authentication not tested');
    const sent = await runInProcess(['verify', ...conn, '--from', 'a@example.com', '--to', 'r@example.org'], { cwd: dir });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toMatch(/554 5\.7\.1/);
    expect(sent.stderr).toContain('--user USER with --pass-env VAR');
  });
});
