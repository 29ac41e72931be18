/** SmtpError.hint: the fix for the common failures, in library terms, set by the transport. */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type Connector, type TransportConfig } from '../../src/index.js';
import { defaultConnector } from '../../src/tls/connector.js';
import { startSink } from '../../src/sink/index.js';
import { rejection } from '../helpers/expect-error.js';
import { lineServer } from '../helpers/line-server.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const MESSAGE = { from: 'a@example.com', to: 'b@example.com', subject: 's', text: 'x' };

function transport(config: TransportConfig) {
  const t = createTransport({ retry: { attempts: 1 }, ...config });
  cleanups.push(() => t.close());
  return t;
}

/** Sends "smtp.gmail.com:587" to a loopback port: the hint follows the host name the user wrote. */
function redirect(port: number): Connector {
  return (request) => defaultConnector({ ...request, host: '127.0.0.1', port });
}

describe('SmtpError.hint', () => {
  it('wrong password: check auth.user / auth.pass and the app-password rule', async () => {
    const sink = await startSink({ discard: true, auth: { user: 'tester', pass: 'right' } });
    cleanups.push(() => sink.close());
    const error = await rejection(transport({ host: '127.0.0.1', port: sink.port, security: 'none', auth: { user: 'tester', pass: 'wrong' } }).send(MESSAGE));
    expect(error.code).toBe('EAUTH');
    expect(error.hint).toMatch(/auth\.user and auth\.pass.*app password/);
  });

  it('wrong password at Gmail (by host name, no preset): the Gmail app-password rule', async () => {
    const sink = await startSink({ discard: true, auth: { user: 'tester', pass: 'right' } });
    cleanups.push(() => sink.close());
    const t = transport({ host: 'smtp.gmail.com', port: 587, security: 'none', allowInsecureAuth: true, auth: { user: 'tester', pass: 'wrong' }, connector: redirect(sink.port) });
    expect((await rejection(t.send(MESSAGE))).hint).toMatch(/^Gmail: use an app password/);
  });

  it('a preset: its own advice, in hint as well as in the message', async () => {
    const sink = await startSink({ discard: true, auth: { user: 'tester', pass: 'right' } });
    cleanups.push(() => sink.close());
    const t = transport({ provider: 'sendgrid', host: '127.0.0.1', port: sink.port, security: 'none', auth: { user: 'tester', pass: 'wrong' } });
    expect((await rejection(t.send(MESSAGE))).hint).toContain('"apikey"');
  });

  it('untrusted certificate: trust the CA with tls.ca', async () => {
    const sink = await startSink({ discard: true, tls: true });
    cleanups.push(() => sink.close());
    const error = await rejection(transport({ host: 'localhost', port: sink.port, security: 'starttls' }).send(MESSAGE));
    expect(error.code).toBe('ETLS');
    expect(error.hint).toContain('tls.ca');
  });

  it('AUTH offered, no credentials, 554 5.7.1 Access denied at RCPT: set auth', async () => {
    const server = await lineServer({ ehlo: ['AUTH PLAIN LOGIN'], reply: (l) => (l.startsWith('RCPT') ? '554 5.7.1 <b@example.com>: Access denied' : undefined) });
    cleanups.push(() => server.close());
    const error = await rejection(transport({ host: '127.0.0.1', port: server.port, security: 'none' }).send(MESSAGE));
    expect(error.code).toBe('EENVELOPE');
    expect(error.hint).toBe('the server requires authentication before it accepts mail: set auth: { user, pass }');
  });

  it('530 at MAIL without credentials: set auth; the same refusal without AUTH offered gets no such hint', async () => {
    const server = await lineServer({ ehlo: ['AUTH PLAIN'], reply: (l) => (l.startsWith('MAIL') ? '530 5.7.0 Authentication required' : undefined) });
    cleanups.push(() => server.close());
    expect((await rejection(transport({ host: '127.0.0.1', port: server.port, security: 'none' }).send(MESSAGE))).hint).toContain('set auth');
    const noAuth = await lineServer({ reply: (l) => (l.startsWith('RCPT') ? '554 5.7.1 Relay access denied' : undefined) });
    cleanups.push(() => noAuth.close());
    expect((await rejection(transport({ host: '127.0.0.1', port: noAuth.port, security: 'none' }).send(MESSAGE))).hint).toBeUndefined();
  });

  it('message too big (552 5.3.4, and SIZE): send less', async () => {
    const server = await lineServer({ onData: '552 5.3.4 Message size exceeds fixed limit' });
    cleanups.push(() => server.close());
    expect((await rejection(transport({ host: '127.0.0.1', port: server.port, security: 'none' }).send(MESSAGE))).hint).toMatch(/larger than the server takes/);
    const sized = await lineServer({ ehlo: ['SIZE 100'] });
    cleanups.push(() => sized.close());
    const error = await rejection(transport({ host: '127.0.0.1', port: sized.port, security: 'none' }).send({ ...MESSAGE, text: 'x'.repeat(500) }));
    expect(error.code).toBe('ESIZE');
    expect(error.hint).toMatch(/larger than the server takes/);
  });

  it('non-ASCII address to a server without SMTPUTF8', async () => {
    const server = await lineServer({ ehlo: ['8BITMIME'] });
    cleanups.push(() => server.close());
    const t = transport({ host: '127.0.0.1', port: server.port, security: 'none', smtpUtf8: true });
    const error = await rejection(t.send({ ...MESSAGE, to: 'jörg@example.com' }));
    expect(error.hint).toContain('SMTPUTF8');
  });
});

describe('explainError', () => {
  it('is the hint when there is one, else advice from the error alone, else undefined', async () => {
    const { explainError, SmtpError } = await import('../../src/index.js');
    expect(explainError(new SmtpError('ETLS', 'x', { hint: 'do this' }))).toBe('do this');
    expect(explainError(new SmtpError('ECONNECTION', 'connect ECONNREFUSED 127.0.0.1:1', { phase: 'connect' }))).toMatch(/nothing is listening/);
    expect(explainError(new SmtpError('ETIMEDOUT', 'x', { phase: 'greeting' }))).toContain("security: 'tls'");
    expect(explainError(new SmtpError('EPROTOCOL', 'x'))).toBeUndefined();
    expect(explainError(new Error('x'))).toBeUndefined();
  });
});

describe('no password hint when no mechanism could be used', () => {
  it('AUTH not offered (before STARTTLS): no app-password advice', async () => {
    const sink = await startSink({ discard: true });
    cleanups.push(() => sink.close());
    const t = transport({ host: '127.0.0.1', port: sink.port, security: 'none', auth: { user: 'u', pass: 'p' } });
    const error = await rejection(t.send(MESSAGE));
    expect(error.code).toBe('EAUTH');
    const { explainError } = await import('../../src/index.js');
    expect(explainError(error) ?? '').not.toContain('app password');
  });
});
