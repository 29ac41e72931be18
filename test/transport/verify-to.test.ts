/** transport.verify({ to }): the Test button of a configuration screen. */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type TransportConfig } from '../../src/index.js';
import { startSink, type SunkMessage } from '../../src/sink/index.js';
import { rejection } from '../helpers/expect-error.js';
import { lineServer } from '../helpers/line-server.js';
import { runInProcess } from '../cli/in-process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function transport(config: TransportConfig) {
  const t = createTransport(config);
  cleanups.push(() => t.close());
  return t;
}

/** A server that offers AUTH and refuses every recipient of an unauthenticated session. */
async function accessDenied() {
  const server = await lineServer({ ehlo: ['AUTH PLAIN LOGIN'], reply: (l) => (l.startsWith('RCPT') ? '554 5.7.1 <me@example.com>: Access denied' : undefined) });
  cleanups.push(() => server.close());
  return server;
}

describe('verify({ to })', () => {
  it('sends a test message on the verified session and reports it', async () => {
    const messages: SunkMessage[] = [];
    const sink = await startSink({ onMessage: (m) => void messages.push(m) });
    cleanups.push(() => sink.close());
    const report = await transport({ host: '127.0.0.1', port: sink.port, security: 'none', from: 'ops@example.com' }).verify({ to: 'me@example.com' });
    expect(report.ok).toBe(true);
    expect(report.authRequired).toBeUndefined();
    expect(report.testMessage).toMatchObject({ sent: true, accepted: ['me@example.com'], rejected: [] });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.raw?.toString()).toContain(`Port:     ${sink.port}`);
    expect(sink.stats.connections).toBe(1);
  });

  it('no credentials, AUTH offered, 554 5.7.1 at RCPT: ok false, authRequired, and the hint', async () => {
    const server = await accessDenied();
    const report = await transport({ host: '127.0.0.1', port: server.port, security: 'none' }).verify({ to: 'me@example.com', from: 'ops@example.com' });
    expect(report.ok).toBe(false);
    expect(report.authRequired).toBe(true);
    expect(report.testMessage?.sent).toBe(false);
    expect(report.testMessage?.error?.code).toBe('EENVELOPE');
    expect(report.testMessage?.error?.hint).toContain('set auth: { user, pass }');
    expect(server.lines.some((l) => l.startsWith('DATA'))).toBe(false);
  });

  it('without a sender it is ECONFIG before connecting; verify(index) still works', async () => {
    const server = await lineServer();
    cleanups.push(() => server.close());
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none' });
    expect((await rejection(t.verify({ to: 'me@example.com' }))).code).toBe('ECONFIG');
    expect(server.connections()).toBe(0);
    expect((await t.verify(0)).ok).toBe(true);
  });
});

describe('mailwire verify without credentials', () => {
  it('does not call a server that offers AUTH a working configuration; --to shows the refusal and the fix', async () => {
    const server = await accessDenied();
    const bare = await runInProcess(['verify', '--host', '127.0.0.1', '--port', String(server.port), '--security', 'none']);
    expect(bare.code).toBe(0);
    expect(bare.stdout).not.toContain('the configuration works');
    expect(bare.stdout).toContain('authentication not tested');
    const sent = await runInProcess(['verify', '--host', '127.0.0.1', '--port', String(server.port), '--security', 'none', '--from', 'ops@example.com', '--to', 'me@example.com']);
    expect(sent.code).toBe(1);
    expect(sent.stdout).not.toContain('the configuration works');
    expect(sent.stderr).toContain('554 5.7.1');
    expect(sent.stderr).toContain('hint: the server requires authentication before it accepts mail: set --user USER with --pass-env VAR');
  });
});
