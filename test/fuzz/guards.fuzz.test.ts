/**
 * The guards and the composer fed random and hostile strings: a bare CR, LF or NUL never gets through
 * into a header, a command line or the composed message. Either the input is refused with EGUARD (and
 * nothing else), or what comes out is clean: CRLF-only line ends, no NUL, 7-bit, lines within 998 octets,
 * and exactly the header fields the composer means to write (no injected Bcc, no second From).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SmtpError } from '../../src/errors.js';
import { assertCustomHeaders, assertEnvelopeAddress, assertHeaderValue, normalizeAddress, resolveLimits } from '../../src/guards/index.js';
import { mailFrom, rcptTo } from '../../src/protocol/commands.js';
import { composeToBuffer } from '../../src/mime/compose.js';
import type { MailMessage } from '../../src/mime/message.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

const FRAGMENTS = [
  '\r', '\n', '\r\n', '\0', '\r\n\r\n', '\n.\n', '\t', ' ', '  ', ':', ';', ',', '<', '>', '"', '\\', '@', '.', '=', '?',
  'a', 'Z', '9', 'é', 'ß', '中', '😀', '\u0085', '\u2028', '\u00a0', '\u001b[2J', '\ud800', '\x7f',
  '\r\nBcc: victim@example.com', '\nSubject: injected', '\r\n.\r\nMAIL FROM:<x@y>', '=?utf-8?q?=0D=0A?=', 'x'.repeat(300),
];

/** Random text: anything at all, or a mix of the fragments that attack headers and commands. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((parts) => parts.join('')),
);

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

function expectGuardError(error: unknown): void {
  expect(SmtpError.is(error), `threw ${String(error)}`).toBe(true);
  expect((error as SmtpError).code).toBe('EGUARD');
  // The message quotes the input safely: it never carries the line break it complains about.
  expect((error as SmtpError).message).not.toMatch(/[\r\n\0]/);
}

function attempt(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    expectGuardError(error);
    return false;
  }
}

describe('guards fuzzing', () => {
  it('assertHeaderValue: accepts a value exactly when it holds no control character but TAB', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        expect(attempt(() => assertHeaderValue(value, 'subject'))).toBe(!CONTROL.test(value));
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('assertEnvelopeAddress: whatever passes makes exactly one clean MAIL/RCPT line', () => {
    const local = fc.oneof(fc.constantFrom('a', 'john.doe', 'x+tag', 'josé'), hostile);
    const domain = fc.oneof(fc.constantFrom('example.com', 'bücher.example', '[192.0.2.1]', '[IPv6:2001:db8::1]'), hostile);
    const address = fc.oneof(
      fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`),
      fc.tuple(local, domain, fc.constantFrom(...FRAGMENTS), fc.nat()).map(([l, d, f, at]) => {
        const a = `${l}@${d}`;
        const i = at % (a.length + 1);
        return a.slice(0, i) + f + a.slice(i);
      }),
    );
    fc.assert(
      fc.property(address, fc.boolean(), (addr, smtpUtf8) => {
        if (!attempt(() => assertEnvelopeAddress(addr, 'to[0]', { smtpUtf8 }))) return;
        const { address: wire } = normalizeAddress(addr, 'to[0]', { smtpUtf8 });
        expect(wire).not.toMatch(/[\s<>\x00-\x1f\x7f]/u);
        for (const line of [mailFrom(wire), rcptTo(wire)]) {
          expect(line).toMatch(/^(MAIL FROM|RCPT TO):<[^\s<>]+>\r\n$/u);
          expect(line.indexOf('\r')).toBe(line.length - 2);
          expect(line.indexOf('\n')).toBe(line.length - 1);
        }
      }),
      { numRuns: fuzzRuns(3000) },
    );
  });

  it('assertCustomHeaders: passes only RFC 5322 names that are not reserved, and values without CR/LF/NUL', () => {
    const limits = resolveLimits(undefined);
    const name = fc.oneof(fc.constantFrom('X-Campaign', 'X-A', 'List-Unsubscribe', 'Bcc', 'bcc', 'Content-Type', '__proto__', 'constructor', 'X:Y', 'X Y', 'X\r\nBcc'), hostile);
    const headers = fc.oneof(
      fc.array(fc.tuple(name, hostile), { maxLength: 6 }),
      fc.dictionary(name, hostile, { maxKeys: 6 }),
    );
    fc.assert(
      fc.property(headers, (input) => {
        let out: Array<[string, string]> = [];
        if (!attempt(() => (out = assertCustomHeaders(input, limits)))) return;
        for (const [n, v] of out) {
          expect(n).toMatch(/^[\x21-\x39\x3b-\x7e]{1,76}$/);
          expect(['bcc', 'from', 'to', 'subject', 'content-type', 'message-id', '__proto__', 'constructor']).not.toContain(n.toLowerCase());
          expect(v).not.toMatch(CONTROL);
        }
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});

// ---- the composer ----

const BASE_FIELDS = new Set([
  'from', 'sender', 'to', 'cc', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
  'x-priority', 'x-msmail-priority', 'importance', 'mime-version', 'content-type', 'content-transfer-encoding',
]);
const ONCE = ['from', 'date', 'message-id', 'mime-version', 'content-type'];
const AT_MOST_ONCE = ['sender', 'to', 'cc', 'reply-to', 'subject', 'in-reply-to', 'references'];

/** Problems with a composed message; empty when it is clean. Plain checks, so thousands of runs stay fast. */
function messageProblems(raw: Buffer, customNames: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b === 0) out.push(`NUL at ${i}`);
    else if (b === 0x0d && raw[i + 1] !== 0x0a) out.push(`bare CR at ${i}`);
    else if (b === 0x0a && raw[i - 1] !== 0x0d) out.push(`bare LF at ${i}`);
    else if (b > 0x7f) out.push(`8-bit byte at ${i}`);
    if (out.length > 3) return out;
  }
  const text = raw.toString('latin1');
  for (const line of text.split('\r\n')) if (line.length > 998) out.push(`line of ${line.length} octets`);
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return [...out, 'no end of header'];
  const unfolded = text.slice(0, end).replace(/\r\n[ \t]/g, ' ').split('\r\n');
  const counts = new Map<string, number>();
  const allowed = new Set([...BASE_FIELDS, ...customNames.map((n) => n.toLowerCase())]);
  for (const field of unfolded) {
    const m = /^([\x21-\x39\x3b-\x7e]+):/.exec(field);
    if (!m) {
      out.push(`not a header field: ${JSON.stringify(field.slice(0, 60))}`);
      continue;
    }
    const name = (m[1] as string).toLowerCase();
    if (!allowed.has(name)) out.push(`unexpected field ${name}`);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  for (const name of ONCE) if (counts.get(name) !== 1) out.push(`${name} x${counts.get(name) ?? 0}`);
  for (const name of AT_MOST_ONCE) if ((counts.get(name) ?? 0) > 1) out.push(`${name} x${counts.get(name)}`);
  return out;
}

describe('the message checker itself', () => {
  it('catches injected fields, duplicates, bare line ends, NUL, 8-bit bytes and long lines', () => {
    const good = 'From: a@example.com\r\nDate: x\r\nMessage-ID: <i@x>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n';
    expect(messageProblems(Buffer.from(good), [])).toEqual([]);
    const bad = [
      good.replace('Date: x', 'Date: x\r\nBcc: v@example.com'),
      good.replace('Date: x', 'Date: x\r\nFrom: b@example.com'),
      good.replace('body', 'bo\ndy'),
      good.replace('body', 'bo\rdy'),
      good.replace('body', 'bo\0dy'),
      good.replace('body', 'b\u00e9dy'),
      good.replace('body', 'x'.repeat(999)),
      good.replace('\r\n\r\n', '\r\nnot a field\r\n\r\n'),
    ];
    for (const raw of bad) expect(messageProblems(Buffer.from(raw, 'latin1'), []), JSON.stringify(raw)).not.toEqual([]);
  });
});

describe('composer fuzzing', () => {
  /** Text without controls: what a legitimate caller might write, odd characters and all. */
  const safeText = fc.array(fc.constantFrom(...FRAGMENTS.filter((f) => !CONTROL.test(f) && f !== '\t')), { maxLength: 10 }).map((p) => p.join(''));
  const withinLine = safeText.filter((t) => t.length <= 998);
  /** Mostly legitimate, sometimes hostile: so that many messages get composed and some get refused. */
  const text = fc.oneof({ weight: 6, arbitrary: safeText }, { weight: 1, arbitrary: hostile });
  const mailbox = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('a@example.com', 'Team <team@example.com>', '"Doe, J" <j@example.com>', 'b@example.com, c@example.com') },
    { weight: 3, arbitrary: fc.record({ name: text, address: fc.constantFrom('a@example.com', 'b@bücher.example') }) },
    { weight: 1, arbitrary: hostile },
  );
  const sender = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('a@example.com', 'Team <team@example.com>', '"Doe, J" <j@example.com>') },
    { weight: 3, arbitrary: fc.record({ name: text, address: fc.constantFrom('a@example.com', 'b@bücher.example') }) },
    { weight: 1, arbitrary: hostile },
  );
  const message: fc.Arbitrary<MailMessage> = fc.record(
    {
      from: sender,
      to: fc.oneof(mailbox, fc.array(mailbox, { maxLength: 3 })),
      cc: mailbox,
      replyTo: mailbox,
      subject: text,
      text: fc.oneof(text, hostile),
      html: fc.oneof(text, hostile),
      headers: fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom('X-Campaign', 'X-Trace') }, { weight: 1, arbitrary: fc.oneof(fc.constant('Bcc'), hostile) }), text, { maxKeys: 3 }),
      messageId: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('<id@example.com>', 'id@example.com') }, { weight: 1, arbitrary: hostile }),
      inReplyTo: fc.oneof({ weight: 5, arbitrary: fc.constant('<parent@example.com>') }, { weight: 1, arbitrary: hostile }),
      references: fc.oneof({ weight: 5, arbitrary: fc.constant(['<a@example.com>', '<b@example.com>']).map((r) => [...r]) }, { weight: 1, arbitrary: fc.array(hostile, { maxLength: 2 }) }),
      priority: fc.constantFrom('high' as const, 'normal' as const, 'low' as const),
      attachments: fc.array(
        fc.record(
          {
            filename: text,
            content: fc.oneof(hostile, fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a))),
            contentType: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('text/plain', 'application/pdf; name="x"') }, { weight: 1, arbitrary: hostile }),
            cid: fc.oneof({ weight: 5, arbitrary: fc.constant('logo@example.com') }, { weight: 1, arbitrary: hostile }),
          },
          { requiredKeys: ['content'] },
        ),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: ['from', 'to'] },
  );

  const composeRuns = fuzzRuns(1500);
  it('composeToBuffer: refuses with EGUARD, or writes a clean 7-bit message with exactly the intended header fields', async () => {
    let composed = 0;
    await fc.assert(
      fc.asyncProperty(message, async (msg) => {
        let raw: Buffer;
        try {
          raw = await composeToBuffer(msg, { disableFileAccess: true, disableUrlAccess: true });
        } catch (error) {
          expectGuardError(error);
          return;
        }
        composed += 1;
        const custom = msg.headers ? Object.keys(msg.headers) : [];
        // Body text may say "Bcc: ..." on a line of its own; the header block may not (checked in there).
        expect(messageProblems(raw, custom)).toEqual([]);
      }),
      { numRuns: composeRuns },
    );
    // The property is only worth something if plenty of hostile messages were composed, not just refused.
    expect(composed).toBeGreaterThan(composeRuns / 10); // about 1 in 5 of these messages has no hostile field
  });

  it('composeToBuffer: hostile text in free-text fields is encoded, never refused and never injected', async () => {
    await fc.assert(
      // Subjects and display names are capped at 998 characters by design (guards.maxSubjectChars, one
      // unfolded line): four of the 300-character fragments would be refused for length, not for content.
      fc.asyncProperty(withinLine, withinLine, safeText, hostile, async (subject, name, header, body) => {
        const raw = await composeToBuffer({
          from: { name, address: 'a@example.com' },
          to: 'b@example.com',
          subject,
          text: body,
          headers: { 'X-Note': header },
        });
        expect(messageProblems(raw, ['X-Note'])).toEqual([]);
      }),
      { numRuns: fuzzRuns(800) },
    );
  });
});
