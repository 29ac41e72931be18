import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { heloCapabilities, parseCapabilities } from '../../src/protocol/capabilities.js';
import { ReplyParser } from '../../src/protocol/reply-parser.js';
import { createReply, type Reply } from '../../src/protocol/reply.js';

/** Goes through the real parser so the fixtures are wire text, as captured from servers. */
function ehloReply(wire: string): Reply {
  const replies = new ReplyParser().push(Buffer.from(wire.replace(/\n/g, '\r\n'), 'utf8'));
  expect(replies).toHaveLength(1);
  return replies[0] as Reply;
}

const POSTFIX = `250-mail.example.org
250-PIPELINING
250-SIZE 10240000
250-VRFY
250-ETRN
250-STARTTLS
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING
`;

const GMAIL = `250-smtp.gmail.com at your service, [203.0.113.7]
250-SIZE 35882577
250-8BITMIME
250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH
250-ENHANCEDSTATUSCODES
250-PIPELINING
250-CHUNKING
250 SMTPUTF8
`;

const EXCHANGE = `250-EXCH01.corp.example.com Hello [10.0.0.5]
250-SIZE 37748736
250-PIPELINING
250-DSN
250-ENHANCEDSTATUSCODES
250-STARTTLS
250-X-ANONYMOUSTLS
250-AUTH NTLM LOGIN
250-AUTH=LOGIN
250-X-EXPS GSSAPI NTLM
250-8BITMIME
250-BINARYMIME
250-CHUNKING
250 XRDST
`;

describe('parseCapabilities', () => {
  it('Postfix', () => {
    const c = parseCapabilities(ehloReply(POSTFIX));
    expect(c).toMatchObject({
      domain: 'mail.example.org',
      starttls: true,
      pipelining: true,
      eightBitMime: true,
      smtpUtf8: true,
      dsn: true,
      chunking: true,
      binaryMime: false,
      enhancedStatusCodes: true,
      requireTls: false,
      size: 10240000,
      auth: [],
    });
    expect(Object.keys(c.keywords)).toEqual([
      'PIPELINING',
      'SIZE',
      'VRFY',
      'ETRN',
      'STARTTLS',
      'ENHANCEDSTATUSCODES',
      '8BITMIME',
      'DSN',
      'SMTPUTF8',
      'CHUNKING',
    ]);
    expect(c.keywords.SIZE).toEqual(['10240000']);
    expect(c.keywords.VRFY).toEqual([]);
  });

  it('Gmail-like', () => {
    const c = parseCapabilities(ehloReply(GMAIL));
    expect(c.domain).toBe('smtp.gmail.com');
    expect(c.starttls).toBe(false);
    expect(c.size).toBe(35882577);
    expect(c.auth).toEqual(['LOGIN', 'PLAIN', 'XOAUTH2', 'PLAIN-CLIENTTOKEN', 'OAUTHBEARER', 'XOAUTH']);
    expect(c.keywords.AUTH).toEqual(['LOGIN', 'PLAIN', 'XOAUTH2', 'PLAIN-CLIENTTOKEN', 'OAUTHBEARER', 'XOAUTH']);
  });

  it('Exchange with the old AUTH= form, unknown X- keywords', () => {
    const c = parseCapabilities(ehloReply(EXCHANGE));
    expect(c.domain).toBe('EXCH01.corp.example.com');
    expect(c.auth).toEqual(['NTLM', 'LOGIN']);
    expect(c.keywords.AUTH).toEqual(['NTLM', 'LOGIN']);
    expect(c.keywords['AUTH=']).toEqual(['LOGIN']);
    expect(c.keywords['X-EXPS']).toEqual(['GSSAPI', 'NTLM']);
    expect(c.keywords.XRDST).toEqual([]);
    expect(c.binaryMime).toBe(true);
    expect(c.chunking).toBe(true);
  });

  it('merges the old form when it comes alone, lower-case and with several mechanisms', () => {
    const c = parseCapabilities(ehloReply('250-old.example\n250-auth=login plain\n250 AUTH PLAIN CRAM-MD5\n'));
    expect(c.auth).toEqual(['LOGIN', 'PLAIN', 'CRAM-MD5']);
    expect(c.keywords['AUTH=']).toEqual(['login', 'plain']);
  });

  it('upper-cases keywords, keeps params raw, handles SIZE variants and REQUIRETLS', () => {
    const c = parseCapabilities(
      ehloReply('250-x\n250-starttls\n250-Size\n250-RequireTLS\n250-x-custom Foo bar\n250 smtputf8\n'),
    );
    expect(c.starttls && c.requireTls && c.smtpUtf8).toBe(true);
    expect(c.size).toBe(0);
    expect(c.keywords['X-CUSTOM']).toEqual(['Foo', 'bar']);
    expect(parseCapabilities(ehloReply('250-x\n250 SIZE 0\n')).size).toBe(0);
    expect(parseCapabilities(ehloReply('250-x\n250 SIZE lots\n')).size).toBe(0);
    expect(parseCapabilities(ehloReply('250-x\n250 SIZE 99999999999999999999\n')).size).toBe(0);
    expect(parseCapabilities(ehloReply('250 x\n')).size).toBeUndefined();
  });

  it('skips junk lines and keeps the rest', () => {
    const c = parseCapabilities(
      ehloReply(
        [
          '250-mx.example Hello',
          '250-',
          '250-   ',
          '250-!!!',
          '250--DASH',
          '250-\u00fcber',
          '250-AUTH PLAIN b@d! LOGIN' + ' X'.repeat(3),
          '250-' + 'A'.repeat(500),
          '250-PIPELINING   extra  spaces',
          '250 8BITMIME',
          '',
        ].join('\n'),
      ),
    );
    expect(c.pipelining).toBe(true);
    expect(c.eightBitMime).toBe(true);
    expect(c.auth).toEqual(['PLAIN', 'LOGIN', 'X']);
    expect(c.keywords.PIPELINING).toEqual(['extra', 'spaces']);
    expect(Object.keys(c.keywords)).toEqual(['AUTH', 'PIPELINING', '8BITMIME']);
  });

  it('keywords like __proto__ and constructor cannot touch Object.prototype', () => {
    const c = parseCapabilities(ehloReply('250-x\n250-__proto__ polluted\n250-CONSTRUCTOR a\n250 TOSTRING b\n'));
    // "__proto__" is not an ehlo-keyword (underscore), so it is skipped; the rest are plain keys.
    expect(Object.getPrototypeOf(c.keywords)).toBeNull();
    expect(c.keywords.CONSTRUCTOR).toEqual(['a']);
    expect(c.keywords.TOSTRING).toEqual(['b']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    // Even if a key were "__proto__", a null-prototype object stores it as data.
    const d = parseCapabilities(createReply(250, ['x', 'PROTO']));
    d.keywords['__proto__'] = ['y'];
    expect(Object.keys(d.keywords)).toContain('__proto__');
    expect(({} as { y?: unknown }).y).toBeUndefined();
  });

  it('a duplicate keyword accumulates its params', () => {
    const c = parseCapabilities(ehloReply('250-x\n250-AUTH PLAIN\n250 AUTH LOGIN PLAIN\n'));
    expect(c.keywords.AUTH).toEqual(['PLAIN', 'LOGIN', 'PLAIN']);
    expect(c.auth).toEqual(['PLAIN', 'LOGIN']);
  });

  it('a one-line reply advertises nothing; a negative reply advertises nothing', () => {
    const one = parseCapabilities(ehloReply('250 tiny.example\n'));
    expect(one.domain).toBe('tiny.example');
    expect(Object.keys(one.keywords)).toEqual([]);
    const neg = parseCapabilities(ehloReply('502-5.5.1 STARTTLS\n502 5.5.1 Unrecognized command\n'));
    expect(neg.starttls).toBe(false);
    expect(Object.keys(neg.keywords)).toEqual([]);
  });

  it('never throws on arbitrary lines (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }), (lines) => {
        const c = parseCapabilities(createReply(250, lines));
        expect(Object.getPrototypeOf(c.keywords)).toBeNull();
        for (const m of c.auth) expect(m).toMatch(/^[A-Z0-9_-]{1,20}$/);
      }),
    );
  });
});

describe('heloCapabilities', () => {
  it('has the domain and nothing else', () => {
    const c = heloCapabilities(ehloReply('250 relay.example Hello client\n'));
    expect(c).toEqual({
      domain: 'relay.example',
      starttls: false,
      pipelining: false,
      eightBitMime: false,
      smtpUtf8: false,
      dsn: false,
      chunking: false,
      binaryMime: false,
      enhancedStatusCodes: false,
      requireTls: false,
      auth: [],
      keywords: expect.anything(),
    });
    expect(c.size).toBeUndefined();
    expect(Object.keys(c.keywords)).toEqual([]);
    expect(heloCapabilities(createReply(250, [''])).domain).toBe('');
  });
});

describe('the domain of a hand-built reply', () => {
  it('stops at any white space, a LF included (fast-check counterexample [200, ["\\0\\n\\0", ""]])', () => {
    expect(parseCapabilities(createReply(250, ['\0\n\0', ''])).domain).toBe('\0');
    expect(parseCapabilities(createReply(250, ['mx.example.com\r\nX', 'PIPELINING'])).domain).toBe('mx.example.com');
  });
});
