/** swaks' habits work: --server HOST:PORT, --auth-user/--auth-password, --body, --html, and defaults. */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { startSink, type SunkMessage } from '../../src/sink/index.js';
import { defaultSender } from '../../src/cli/send.js';
import { runInProcess } from './in-process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function sink(auth?: { user: string; pass: string }) {
  const messages: SunkMessage[] = [];
  const server = await startSink({ onMessage: (m) => void messages.push(m), ...(auth ? { auth } : {}) });
  cleanups.push(() => server.close());
  return { server, messages };
}

describe('mailwire send, swaks style', () => {
  it('HOST:PORT as an argument, with only --to and --from: a dated test subject and a short body', async () => {
    const { server, messages } = await sink();
    const r = await runInProcess(['send', `127.0.0.1:${server.port}`, '--security', 'none', '--from', 'a@example.com', '--to', 'b@example.com']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const raw = messages[0]?.raw?.toString() ?? '';
    expect(raw).toMatch(/^Subject: test \w{3}, \d{1,2} \w{3} \d{4} /m);
    expect(raw).toContain('This is a test message sent by mailwire send.');
  });

  it('--server, --auth-user, --auth-password (with a warning), --body and --html', async () => {
    const { server, messages } = await sink({ user: 'swaks', pass: 'swaks-pw' });
    const r = await runInProcess([
      'send', '--server', `127.0.0.1:${server.port}`, '--security', 'none', '--auth-user', 'swaks', '--auth-password', 'swaks-pw',
      '--from', 'a@example.com', '--to', 'b@example.com', '--body', 'plain words', '--html', '<p>html words</p>',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('visible in ps and shell history');
    expect(messages[0]?.authUser).toBe('swaks');
    const raw = messages[0]?.raw?.toString() ?? '';
    expect(raw).toContain('plain words');
    expect(raw).toContain('<p>html words</p>');
  });

  it('two forms naming different servers are a usage error', async () => {
    const r = await runInProcess(['send', '--server', '127.0.0.1:2525', '--host', 'other.example', '--to', 'b@example.com', '--from', 'a@example.com']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('name different servers');
  });

  it('without --from: USER@host when the host name is a domain, else an error that says why', () => {
    expect(defaultSender({ USER: 'alice' }, 'mail.example.com')).toBe('alice@mail.example.com');
    expect(() => defaultSender({ USER: 'alice' }, 'laptop')).toThrow(/missing --from: .*"laptop" is not a domain/);
    expect(() => defaultSender({}, 'mail.example.com')).toThrow(/missing --from/);
    expect(os.hostname()).toBeTypeOf('string');
  });
});

describe('probe, bench and verify take every form too', () => {
  it('probe --server and --host/--port', async () => {
    const { server } = await sink();
    const a = await runInProcess(['probe', '--server', `127.0.0.1:${server.port}`, '--security', 'none', '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ host: '127.0.0.1', port: server.port });
    const b = await runInProcess(['probe', '--host', '127.0.0.1', '--port', String(server.port), '--security', 'none', '--json']);
    expect(b.code).toBe(0);
  });

  it('bench --host/--port and verify HOST:PORT', async () => {
    const { server } = await sink();
    const bench = await runInProcess(['bench', '--host', '127.0.0.1', '--port', String(server.port), '-n', '2', '-c', '1', '--json']);
    expect(bench.code).toBe(0);
    expect(JSON.parse(bench.stdout).messages.sent).toBe(2);
    const verify = await runInProcess(['verify', `127.0.0.1:${server.port}`, '--security', 'none']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('the configuration works');
  });
});

describe('security words from swaks and nodemailer', () => {
  it('--tls, --tlsc, --secure are refused with the --security to use', async () => {
    const base = ['send', '--server', '127.0.0.1:1', '--to', 'b@example.com', '--from', 'a@example.com'];
    expect((await runInProcess([...base, '--tlsc'])).stderr).toContain('--tlsc is not accepted: use --security tls');
    expect((await runInProcess([...base, '--tls'])).stderr).toContain('use --security starttls');
    const secure = await runInProcess([...base, '--secure']);
    expect(secure.code).toBe(2);
    expect(secure.stderr).toContain('use --security tls');
  });
});
