/** bench and send say which security mode they used; bench counts sessions that never opened as errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { startSink } from '../../src/sink/index.js';
import { runInProcess } from './in-process.js';
import { closedPort } from '../helpers/ports.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('mailwire bench', () => {
  it('when every session fails to open, errors are not "none"', async () => {
    const port = await closedPort();
    const r = await runInProcess(['bench', `127.0.0.1:${port}`, '-n', '4', '-c', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/^ {2}errors +none/m);
    expect(r.stdout).toMatch(/^ {2}errors +no session could be opened: ECONNECTION \d+/m);
  });

  it('names the security mode it used and what it means', async () => {
    const sink = await startSink({ discard: true });
    cleanups.push(() => sink.close());
    const r = await runInProcess(['bench', `127.0.0.1:${sink.port}`, '-n', '4', '-c', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('security opportunistic (STARTTLS when offered, else plaintext)');
  });
});

describe('mailwire send', () => {
  it('names the security mode on success and on failure', async () => {
    const sink = await startSink({ discard: true });
    cleanups.push(() => sink.close());
    const args = ['--from', 'a@example.com', '--to', 'b@example.com', '--subject', 's', '--text', 'x'];
    const ok = await runInProcess(['send', '--host', '127.0.0.1', '--port', String(sink.port), '--security', 'none', ...args]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/via 127\.0\.0\.1:\d+, security none/);
    const failed = await runInProcess(['send', '--host', '127.0.0.1', '--port', String(sink.port), ...args]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`mailwire send (127.0.0.1:${sink.port}, security starttls): ETLS`);
  });
});
