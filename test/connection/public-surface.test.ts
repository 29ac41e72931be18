/** SmtpConnection's public surface: protocol verbs and what a conformance user reads, not the pool's hooks. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { SmtpConnection } from '../../src/index.js';
import * as api from '../../src/index.js';
import { sessionHooks } from '../../src/connection/smtp-connection.js';

const HIDDEN = ['usable', 'needsReset', 'setKeepAlive', 'inFlight', 'plaintextCapabilities'] as const;

describe('SmtpConnection public surface', () => {
  it("does not carry the pool's hooks, in its type or at run time", () => {
    expectTypeOf<Extract<keyof SmtpConnection, (typeof HIDDEN)[number]>>().toEqualTypeOf<never>();
    const conn = new SmtpConnection({ host: '127.0.0.1', port: 2525, security: 'none' });
    for (const name of HIDDEN) expect(name in conn, name).toBe(false);
    for (const verb of ['connect', 'ehlo', 'startTls', 'auth', 'mail', 'rcpt', 'send', 'rset', 'noop', 'quit', 'command', 'close'] as const) {
      expect(typeof conn[verb], verb).toBe('function');
    }
    expect(conn.state).toBe('new');
    expect(conn.capabilities).toBeUndefined();
    expect(conn.tlsInfo).toBeUndefined();
    expect('sessionHooks' in api).toBe(false);
  });

  it('the hooks are one object per session, made on first use', () => {
    const conn = new SmtpConnection({ host: '127.0.0.1', port: 2525, security: 'none' });
    const hooks = sessionHooks(conn);
    expect(sessionHooks(conn)).toBe(hooks);
    expect(hooks.usable).toBe(false);
    expect(hooks.inFlight).toBe(0);
    expect(hooks.needsReset).toBe(false);
    expect(hooks.plaintextCapabilities).toBeUndefined();
    expect(() => hooks.setKeepAlive(false)).not.toThrow();
  });
});
