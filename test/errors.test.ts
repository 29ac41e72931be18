/** SmtpError.from and error.with(): the one way to make and convert errors. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SmtpError } from '../src/errors.js';
import { rephase } from '../src/connection/reply-errors.js';

const full = (): SmtpError =>
  new SmtpError('EAUTH', '535 authentication failed', {
    phase: 'auth',
    replyCode: 535,
    enhancedCode: '5.7.8',
    response: '535 5.7.8 authentication failed',
    command: 'AUTH PLAIN ***',
    transient: false,
    delivery: 'none',
    cause: new Error('root'),
    hint: 'use an app password',
  });

describe('SmtpError.from', () => {
  it('returns an SmtpError as it is', () => {
    const error = full();
    expect(SmtpError.from(error, { code: 'EPROTOCOL', phase: 'connect' })).toBe(error);
  });

  it('returns an SmtpError of another copy of the package as it is', () => {
    const foreign = Object.assign(new Error('x'), { code: 'ETLS' });
    Object.defineProperty(foreign, Symbol.for('mailwire.SmtpError'), { value: true });
    expect(SmtpError.from(foreign, { code: 'EPROTOCOL', phase: 'connect' })).toBe(foreign);
  });

  it('wraps anything else with the fallback, keeping it as cause', () => {
    const cause = new TypeError('socket exploded');
    const error = SmtpError.from(cause, { code: 'ECONNECTION', phase: 'data', delivery: 'unknown' });
    expect(error).toBeInstanceOf(SmtpError);
    expect(error.code).toBe('ECONNECTION');
    expect(error.phase).toBe('data');
    expect(error.delivery).toBe('unknown');
    expect(error.transient).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(String(cause));
  });

  it('takes the fallback message when given, and wraps non-Error values', () => {
    const error = SmtpError.from('boom', { code: 'ETLS', phase: 'starttls', message: 'handshake failed', transient: false });
    expect(error.message).toBe('handshake failed');
    expect(error.cause).toBe('boom');
    expect(error.transient).toBe(false);
  });
});

describe('error.with', () => {
  it('changes the given fields and keeps every other one', () => {
    const error = full();
    const copy = error.with({ phase: 'mail', delivery: 'unknown' });
    expect(copy).not.toBe(error);
    expect(SmtpError.is(copy)).toBe(true);
    expect(copy).toBeInstanceOf(SmtpError);
    expect(copy.phase).toBe('mail');
    expect(copy.delivery).toBe('unknown');
    for (const key of ['code', 'message', 'replyCode', 'enhancedCode', 'response', 'command', 'transient', 'cause', 'hint', 'stack'] as const) {
      expect(copy[key], key).toBe(error[key]);
    }
    // The original is untouched.
    expect(error.phase).toBe('auth');
    expect(error.delivery).toBe('none');
  });

  it('returns the same error when nothing changes', () => {
    const error = full();
    expect(error.with({ phase: 'auth', hint: 'use an app password' })).toBe(error);
    expect(error.with({})).toBe(error);
  });

  it('rewrites the first line of the stack with a new message', () => {
    const error = full();
    const copy = error.with({ message: 'changed', hint: 'another' });
    expect(copy.message).toBe('changed');
    expect(copy.hint).toBe('another');
    expect(copy.stack?.startsWith('SmtpError: changed')).toBe(true);
    expect(copy.cause).toBe(error.cause);
    expect(copy.command).toBe('AUTH PLAIN ***');
    expect(Object.keys(copy)).toEqual(Object.keys(error));
  });

  it('removes a field given as undefined', () => {
    const copy = full().with({ hint: undefined });
    expect(copy.hint).toBeUndefined();
    expect('hint' in copy).toBe(false);
  });

  it('keeps a subclass', () => {
    class Custom extends SmtpError {}
    const copy = new Custom('EMESSAGE', 'x', { phase: 'data' }).with({ delivery: 'unknown' });
    expect(copy).toBeInstanceOf(Custom);
    expect(Object.getPrototypeOf(copy)).toBe(Custom.prototype);
  });
});

describe('declared fields', () => {
  it('rejected and hint are typed and serialised; absent ones are not own properties', () => {
    const rejected = [{ address: 'a@example.com', code: 550, message: 'no' }];
    const error = new SmtpError('EENVELOPE', 'every recipient refused', { phase: 'rcpt', rejected, hint: 'check the addresses' });
    expect(error.rejected).toBe(rejected);
    expect(error.toJSON()).toMatchObject({ rejected, hint: 'check the addresses' });
    const plain = new SmtpError('EPROTOCOL', 'x', { phase: 'connect' });
    expect(Object.keys(plain)).not.toContain('hint');
    expect(Object.keys(plain)).not.toContain('rejected');
    expect(plain.toJSON()).not.toHaveProperty('hint');
  });
});

describe('cause and secrets', () => {
  it('toJSON and JSON.stringify never include the cause', () => {
    const cause = Object.assign(new Error('password=Hunter2'), { secret: 'Hunter2' });
    const error = SmtpError.from(cause, { code: 'EAUTH', phase: 'auth', message: 'authentication failed' });
    expect(JSON.stringify(error)).not.toContain('Hunter2');
    expect(JSON.stringify(error.with({ phase: 'mail' }))).not.toContain('Hunter2');
    expect(String(error)).not.toContain('Hunter2');
    expect(error.message).not.toContain('Hunter2');
    // util.inspect shows the cause (Node's own rule for Error.cause): what goes in as a cause must not
    // carry a secret, which is why the SASL layer never puts credentials in the errors it wraps.
    expect(inspect(error)).toContain('[cause]');
  });
});

describe('rephase', () => {
  it("restamps only the channel's 'connect' errors and keeps cause and command", () => {
    const cause = new Error('reset');
    const channel = new SmtpError('ECONNECTION', 'closed', { phase: 'connect', command: 'RCPT TO:<a@b>', cause });
    const restamped = rephase(channel, 'data', 'unknown');
    expect(restamped.phase).toBe('data');
    expect(restamped.delivery).toBe('unknown');
    expect(restamped.cause).toBe(cause);
    expect(restamped.command).toBe('RCPT TO:<a@b>');
    const precise = new SmtpError('EMESSAGE', 'refused', { phase: 'data' });
    expect(rephase(precise, 'mail')).toBe(precise);
  });
});
