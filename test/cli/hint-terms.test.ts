/** The CLI says its hints in flag terms (--ca FILE, --tls-skip-verify, --security tls), not API options. */
import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../src/errors.js';
import { mapTlsError } from '../../src/tls/policy.js';
import { describeError, errorJson } from '../../src/cli/format.js';
import { cliHint } from '../../src/cli/hint-terms.js';
import { probeWarnings } from '../../src/cli/probe-warnings.js';
import type { ProbeReport } from '../../src/cli/probe-run.js';

describe('CLI hints', () => {
  it('an untrusted certificate: --ca FILE and --tls-skip-verify, never tls.ca', () => {
    const selfSigned = mapTlsError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'starttls');
    const text = describeError(selfSigned).join('\n');
    expect(text).toContain('--ca FILE');
    expect(text).toContain('--tls-skip-verify');
    expect(text).not.toMatch(/tls\.ca|rejectUnauthorized/);
    expect(String(errorJson(selfSigned).hint)).toContain('--ca FILE');
  });

  it('465 / STARTTLS confusion and missing credentials name the flags', () => {
    const greeting = new SmtpError('ETIMEDOUT', 'no greeting', { phase: 'greeting', hint: "port 465 expects TLS from the first byte: use security: 'tls' (or port 587 with security: 'starttls')" });
    expect(describeError(greeting).join('\n')).toContain('use --security tls (or --port 587 with --security starttls)');
    expect(cliHint('the server requires authentication before it accepts mail: set auth: { user, pass }')).toContain('--user USER with --pass-env VAR');
    expect(cliHint('check auth.user and auth.pass; ...')).toContain('--user and the password');
  });

  it('a preset hint is printed once, on the hint line', () => {
    const error = new SmtpError('EAUTH', 'Authentication failed: 535 no (hint: SendGrid: the user is literally "apikey")', { phase: 'auth', replyCode: 535, hint: 'SendGrid: the user is literally "apikey"' });
    const lines = describeError(error);
    expect(lines[0]).toBe('EAUTH: Authentication failed: 535 no');
    expect(lines.filter((l) => l.includes('apikey'))).toHaveLength(1);
  });

  it('probe against a certificate from an untrusted CA mentions --ca', () => {
    const report = {
      ok: true, host: 'mx.example', port: 465, security: 'tls', warnings: [], timings: {},
      tls: { protocol: 'TLSv1.3', cipher: 'x', authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      after: { capabilities: {}, auth: ['PLAIN'] },
    } as unknown as ProbeReport;
    expect(probeWarnings(report).join('\n')).toContain('--ca FILE');
  });
});
