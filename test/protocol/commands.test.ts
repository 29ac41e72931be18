import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as cmd from '../../src/protocol/commands.js';
import { SmtpError } from '../../src/errors.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

function guard(fn: () => unknown): SmtpError {
  try {
    fn();
  } catch (err) {
    expect(SmtpError.is(err)).toBe(true);
    expect((err as SmtpError).code).toBe('EGUARD');
    return err as SmtpError;
  }
  throw new Error('expected EGUARD');
}

describe('simple verbs', () => {
  it('writes exact bytes', () => {
    expect(cmd.data()).toBe('DATA\r\n');
    expect(cmd.rset()).toBe('RSET\r\n');
    expect(cmd.noop()).toBe('NOOP\r\n');
    expect(cmd.quit()).toBe('QUIT\r\n');
    expect(cmd.startTls()).toBe('STARTTLS\r\n');
    expect(cmd.bdat(123, true)).toBe('BDAT 123 LAST\r\n');
    expect(cmd.bdat(0, false)).toBe('BDAT 0\r\n');
  });

  it('bdat size must be a non-negative safe integer', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '12' as unknown as number]) guard(() => cmd.bdat(bad, true));
  });
});

describe('ehlo / helo', () => {
  it('accepts hostnames and address literals', () => {
    expect(cmd.ehlo('client.example.com')).toBe('EHLO client.example.com\r\n');
    expect(cmd.ehlo('localhost')).toBe('EHLO localhost\r\n');
    expect(cmd.ehlo('my_host-1.local')).toBe('EHLO my_host-1.local\r\n');
    expect(cmd.ehlo('[127.0.0.1]')).toBe('EHLO [127.0.0.1]\r\n');
    expect(cmd.ehlo('[IPv6:::1]')).toBe('EHLO [IPv6:::1]\r\n');
    expect(cmd.ehlo('[IPv6:2001:db8::ff00:42:8329]')).toBe('EHLO [IPv6:2001:db8::ff00:42:8329]\r\n');
    expect(cmd.ehlo('[IPv6:::ffff:192.0.2.1]')).toBe('EHLO [IPv6:::ffff:192.0.2.1]\r\n');
    expect(cmd.ehlo('[IPv6:1:2:3:4:5:6:7:8]')).toBe('EHLO [IPv6:1:2:3:4:5:6:7:8]\r\n');
    expect(cmd.helo('client.example.com')).toBe('HELO client.example.com\r\n');
  });

  const bad = [
    '',
    'a b',
    'host\r\nMAIL FROM:<x@y>',
    'host\n',
    'host\0',
    'host\t',
    '-host',
    'host-',
    'a..b',
    '.host',
    'host.',
    'h\u00e9llo',
    'a'.repeat(64) + '.com',
    '[1.2.3.4',
    '[256.1.1.1]',
    '[1.2.3]',
    '[01.2.3.4]',
    '[IPv6:1:2:3:4:5:6:7:8:9]',
    '[IPv6:1::2::3]',
    '[IPv6:12345::]',
    '[IPv6:1:2:3:4:5:6:7]',
    '[IPv6:::1.2.3]',
    '[host]',
    '[1.2.3.4] x',
  ];
  for (const d of bad) {
    it(`rejects ${JSON.stringify(d)}`, () => {
      const err = guard(() => cmd.ehlo(d));
      expect(err.message).toContain('ehlo(domain)');
      expect(err.message).not.toMatch(/[\r\n\0]/);
      guard(() => cmd.helo(d));
    });
  }
});

describe('mailFrom', () => {
  it('writes the path and parameters in a fixed order', () => {
    expect(cmd.mailFrom('a@b.example')).toBe('MAIL FROM:<a@b.example>\r\n');
    expect(cmd.mailFrom('')).toBe('MAIL FROM:<>\r\n');
    expect(
      cmd.mailFrom('a@b', {
        requireTls: true,
        envid: 'xx',
        ret: 'HDRS',
        smtpUtf8: true,
        body: '8BITMIME',
        size: 12,
      }),
    ).toBe('MAIL FROM:<a@b> SIZE=12 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=xx REQUIRETLS\r\n');
    expect(cmd.mailFrom('a@b', { size: 0, smtpUtf8: false, requireTls: false })).toBe('MAIL FROM:<a@b> SIZE=0\r\n');
    expect(cmd.mailFrom('a@b', { body: 'BINARYMIME' })).toBe('MAIL FROM:<a@b> BODY=BINARYMIME\r\n');
    expect(cmd.mailFrom('a@b', { ret: 'FULL' })).toBe('MAIL FROM:<a@b> RET=FULL\r\n');
  });

  it('xtext-encodes ENVID', () => {
    expect(cmd.mailFrom('a@b', { envid: 'id+1=2 é' })).toBe('MAIL FROM:<a@b> ENVID=id+2B1+3D2+20+C3+A9\r\n');
  });

  it('accepts UTF-8 and quoted local parts', () => {
    expect(cmd.mailFrom('用户@例子.广告', { smtpUtf8: true })).toBe('MAIL FROM:<用户@例子.广告> SMTPUTF8\r\n');
    expect(cmd.mailFrom('"john doe"@example.com')).toBe('MAIL FROM:<"john doe"@example.com>\r\n');
    expect(cmd.mailFrom('"a\\"b c"@example.com')).toBe('MAIL FROM:<"a\\"b c"@example.com>\r\n');
  });

  it('checks every parameter', () => {
    guard(() => cmd.mailFrom('a@b', { size: -1 }));
    guard(() => cmd.mailFrom('a@b', { size: 1.5 }));
    guard(() => cmd.mailFrom('a@b', { body: '8BIT' as never }));
    guard(() => cmd.mailFrom('a@b', { body: '8BITMIME SMTPUTF8' as never }));
    guard(() => cmd.mailFrom('a@b', { ret: 'ALL' as never }));
    guard(() => cmd.mailFrom('a@b', { envid: '' }));
    guard(() => cmd.mailFrom('a@b', { envid: 'x'.repeat(101) }));
    expect(cmd.mailFrom('a@b', { envid: 'x'.repeat(100) })).toContain('ENVID=' + 'x'.repeat(100));
    expect(guard(() => cmd.mailFrom('a@b', { envid: 'x\r\nRCPT TO:<evil@x>' })).message).toContain(
      'mailFrom(params.envid)',
    );
    guard(() => cmd.mailFrom('a@b', null as never));
  });
});

describe('rcptTo', () => {
  it('writes NOTIFY and ORCPT', () => {
    expect(cmd.rcptTo('a@b')).toBe('RCPT TO:<a@b>\r\n');
    expect(cmd.rcptTo('postmaster')).toBe('RCPT TO:<postmaster>\r\n');
    expect(cmd.rcptTo('a@b', { notify: 'NEVER' })).toBe('RCPT TO:<a@b> NOTIFY=NEVER\r\n');
    expect(cmd.rcptTo('a@b', { notify: ['SUCCESS', 'FAILURE', 'SUCCESS'] })).toBe(
      'RCPT TO:<a@b> NOTIFY=SUCCESS,FAILURE\r\n',
    );
    expect(cmd.rcptTo('a@b', { notify: ['DELAY'], orcpt: 'x+y=z@b' })).toBe(
      'RCPT TO:<a@b> NOTIFY=DELAY ORCPT=rfc822;x+2By+3Dz@b\r\n',
    );
    expect(cmd.rcptTo('a@b', { notify: ['NEVER'] as never })).toBe('RCPT TO:<a@b> NOTIFY=NEVER\r\n');
  });

  it('rejects bad NOTIFY and ORCPT values', () => {
    expect(guard(() => cmd.rcptTo('a@b', { notify: ['NEVER', 'SUCCESS'] as never })).message).toContain('NEVER');
    guard(() => cmd.rcptTo('a@b', { notify: [] }));
    guard(() => cmd.rcptTo('a@b', { notify: ['success'] as never }));
    guard(() => cmd.rcptTo('a@b', { notify: 'SUCCESS' as never }));
    guard(() => cmd.rcptTo('a@b', { notify: ['SUCCESS,DELAY'] as never }));
    guard(() => cmd.rcptTo('a@b', { orcpt: '' }));
    guard(() => cmd.rcptTo('a@b', { orcpt: 'a\n@b' }));
    guard(() => cmd.rcptTo('a@b', { orcpt: '+'.repeat(200) })); // 600 characters once encoded
  });

  it('refuses the null path', () => {
    guard(() => cmd.rcptTo(''));
  });
});

describe('address injection', () => {
  const attempts = [
    'a@b\r\nRCPT TO:<evil@x>',
    'a@b\nRCPT TO:<evil@x>',
    'a@b\rRCPT TO:<evil@x>',
    'a@b\0',
    'a@b\u0085',
    'a@b\x7f',
    'a@b\x1b',
    'a\t@b',
    'a@b> SIZE=1',
    'a@b>',
    '<a@b',
    'a@b SIZE=1',
    'a@b\tSIZE=1',
    'a@b\u00a0SIZE=1',
    'a@b\u2028x',
    '@relay.example:a@b',
    '@a@b',
    '"a b@c',
    '"a\tb"@c',
    '"a"b c@d',
    '"a b"@c d',
    '"a\\" b@c',
  ];
  for (const a of attempts) {
    it(`rejects ${JSON.stringify(a)} everywhere`, () => {
      const e1 = guard(() => cmd.mailFrom(a));
      expect(e1.message).toContain('mailFrom(address)');
      expect(e1.message).not.toMatch(/[\r\n\0\u0085\u2028]/);
      expect(guard(() => cmd.rcptTo(a)).message).toContain('rcptTo(address)');
    });
  }

  it('rejects non-strings from JavaScript callers', () => {
    guard(() => cmd.mailFrom(undefined as never));
    guard(() => cmd.rcptTo(42 as never));
    guard(() => cmd.ehlo({} as never));
  });

  it('no generated string can put a line break or extra parameter into the command (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const builders: Array<[() => string, RegExp]> = [
          [() => cmd.mailFrom(s), /^MAIL FROM:<([^<>\r\n]*)>\r\n$/],
          [() => cmd.rcptTo(s), /^RCPT TO:<([^<>\r\n]*)>\r\n$/],
          [() => cmd.ehlo(s), /^EHLO ([!-~]+)\r\n$/],
          [() => cmd.raw(s), /^([^\r\n\0]+)\r\n$/],
        ];
        for (const [build, shape] of builders) {
          let line: string;
          try {
            line = build();
          } catch (err) {
            expect(SmtpError.is(err) && err.code === 'EGUARD').toBe(true);
            continue;
          }
          // The argument lands in exactly one slot, unchanged, and nothing follows it.
          expect(shape.exec(line)?.[1]).toBe(s);
          if (!line.startsWith('EHLO') && !/^(MAIL|RCPT)/.test(line)) continue;
          // Outside a quoted local part, no whitespace can start a parameter.
          expect(/\s/.test(s.startsWith('"') ? s.slice(s.lastIndexOf('"')) : s)).toBe(false);
        }
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});

describe('auth', () => {
  it('writes mechanism and initial response', () => {
    expect(cmd.auth('PLAIN', 'dGVzdA==')).toBe('AUTH PLAIN dGVzdA==\r\n');
    expect(cmd.auth('login')).toBe('AUTH LOGIN\r\n');
    expect(cmd.auth('XOAUTH2', '')).toBe('AUTH XOAUTH2 =\r\n');
    expect(cmd.auth('SCRAM-SHA-256', 'biwsbj11c2VyLHI9cm9t')).toBe('AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9cm9t\r\n');
    expect(cmd.authResponse('dGVzdA==')).toBe('dGVzdA==\r\n');
    expect(cmd.authResponse('')).toBe('\r\n');
    expect(cmd.authResponse('*')).toBe('*\r\n');
  });

  it('rejects bad mechanisms and non-base64 without echoing the secret', () => {
    guard(() => cmd.auth(''));
    guard(() => cmd.auth('PLAIN X'));
    guard(() => cmd.auth('PLAIN\r\nMAIL FROM:<a@b>'));
    guard(() => cmd.auth('A'.repeat(21)));
    for (const secret of ['hunter2 pass', 'c2VjcmV0\r\nRSET', 'c2VjcmV0a', 'c2Vj=cmV0', 'c2VjcmV0===', '*x']) {
      const e1 = guard(() => cmd.auth('PLAIN', secret));
      const e2 = guard(() => cmd.authResponse(secret));
      for (const e of [e1, e2]) {
        expect(e.message).not.toContain(secret);
        expect(e.message).not.toContain('c2Vj');
        expect(JSON.stringify(e)).not.toContain('c2Vj');
      }
    }
  });
});

describe('raw', () => {
  it('passes a valid line through and allows TAB', () => {
    expect(cmd.raw('VRFY postmaster')).toBe('VRFY postmaster\r\n');
    expect(cmd.raw('XCLIENT\tNAME=x')).toBe('XCLIENT\tNAME=x\r\n');
  });

  it('rejects line breaks, NUL, other controls, empty lines, without quoting the line', () => {
    for (const bad of ['NOOP\r\nQUIT', 'NOOP\n', 'NOOP\r', 'NO\0OP', 'NOOP\x1b', '', '   ']) {
      const err = guard(() => cmd.raw(bad));
      expect(err.message).toContain('raw(line)');
      if (bad.length > 3) expect(err.message).not.toContain('NOOP');
    }
  });
});
