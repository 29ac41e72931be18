/** The sink's banner prints the `mailwire send` command that talks to it, and that command works. */
import { describe, expect, it } from 'vitest';
import { runInProcess } from './in-process.js';

/** Splits a command line as a POSIX shell would for the words the banner uses (plain and '...' words). */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] as string));
  return out;
}

async function bannerThenSend(sinkArgs: string[]): Promise<{ banner: string; send: Awaited<ReturnType<typeof runInProcess>>; stopped: string }> {
  const stop = new AbortController();
  let banner = '';
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const running = runInProcess(['sink', '--port', '0', '--discard', ...sinkArgs], {
    interrupted: stop.signal,
    onStdout: (text) => {
      banner = text;
      if (text.includes('press Ctrl+C')) ready();
    },
  });
  await listening;
  const command = /send to it: +(mailwire send .*)$/m.exec(banner)?.[1];
  expect(command, banner).toBeDefined();
  const argv = words(command as string).slice(1);
  const send = await runInProcess(argv);
  stop.abort();
  const result = await running;
  return { banner, send, stopped: result.stdout };
}

describe('mailwire sink banner', () => {
  it('without --tls: the printed send command delivers to it', async () => {
    const { banner, send, stopped } = await bannerThenSend([]);
    expect(banner).toMatch(/send to it: +mailwire send 127\.0\.0\.1:\d+ --security none --from/);
    expect(banner).toMatch(/from code: +createTransport\(\{ host: '127\.0\.0\.1', port: \d+, security: 'none' \}\)/);
    expect(send.stderr).toBe('');
    expect(send.code).toBe(0);
    expect(stopped).toContain('stopped: 1 messages');
  });

  it('with --tls and --auth: STARTTLS to the test certificate and the test account', async () => {
    const { banner, send, stopped } = await bannerThenSend(['--tls', '--auth', "tester:it's-a-test"]);
    expect(banner).toContain('--security starttls --tls-skip-verify --auth-user tester');
    expect(send.code).toBe(0);
    expect(stopped).toContain('stopped: 1 messages');
  });
});

describe('send with its defaults against a plaintext sink', () => {
  it('fails with the hint to use --security none for a local test server', async () => {
    const stop = new AbortController();
    let banner = '';
    let ready!: () => void;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    const running = runInProcess(['sink', '--port', '0', '--discard'], { interrupted: stop.signal, onStdout: (t) => ((banner = t), t.includes('Ctrl+C') && ready()) });
    await listening;
    const port = /127\.0\.0\.1:(\d+)/.exec(banner)?.[1] as string;
    const r = await runInProcess(['send', `127.0.0.1:${port}`, '--from', 'a@example.test', '--to', 'b@example.test']);
    stop.abort();
    await running;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hint: this local server has no STARTTLS (a test server such as mailwire sink without --tls): use --security none for it');
  });
});
