/**
 * Real server output to mutate: what Postfix, Exim, Sendmail, Exchange, Gmail, smtp-server, aiosmtpd and
 * our sink actually send (greetings, EHLO capability lists, refusals with enhanced codes and continuation
 * lines, UTF-8 text, bare-LF servers), and the byte-level mutations a broken or hostile peer produces.
 */
import fc from 'fast-check';

export const TRANSCRIPTS: readonly string[] = [
  // Postfix submission, before and after STARTTLS.
  '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n' +
    '250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n' +
    '220 2.0.0 Ready to start TLS\r\n',
  '250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n' +
    '235 2.7.0 Authentication successful\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as 4Xk2Lq0Zz1z9sX\r\n221 2.0.0 Bye\r\n',
  // Gmail.
  '220 smtp.gmail.com ESMTP a640c23a62f3a-abc.123 - gsmtp\r\n' +
    '250-smtp.gmail.com at your service, [203.0.113.7]\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n' +
    '535-5.7.8 Username and Password not accepted. For more information, go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials a640c23a62f3a-abc.123 - gsmtp\r\n',
  // Exchange / Outlook.
  '220 AM0PR02CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready at Mon, 1 Jan 2024 00:00:00 +0000\r\n' +
    '250-AM0PR02CA0001.outlook.office365.com Hello [198.51.100.4]\r\n250-SIZE 157286400\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n' +
    '451 4.7.500 Server busy. Please try again later from [198.51.100.4]. (S77714) [AM0PR02CA0001.eurprd02.prod.outlook.com]\r\n' +
    '554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied\r\n',
  // Exim, with a multiline greeting and a refusal.
  '220-mx.example.net ESMTP Exim 4.96 Mon, 01 Jan 2024 00:00:00 +0000\r\n220-We do not authorize the use of this system to transport unsolicited,\r\n220 and/or bulk e-mail.\r\n' +
    '250-mx.example.net Hello client.example [192.0.2.1]\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-PIPE_CONNECT\r\n250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250-STARTTLS\r\n250-PRDR\r\n250 HELP\r\n' +
    '550-Verification failed for <x@example.invalid>\r\n550-Unrouteable address\r\n550 Sender verify failed\r\n',
  // Sendmail, bare LF, code-only lines, 421 and UTF-8.
  '220 host.example ESMTP Sendmail 8.17.1/8.17.1; Mon, 1 Jan 2024 00:00:00 GMT\n250-host.example Hello localhost [127.0.0.1], pleased to meet you\n250-ENHANCEDSTATUSCODES\n250-EXPN\n250-VERB\n250-8BITMIME\n250-SIZE\n250-DSN\n250-ETRN\n250-DELIVERBY\n250 HELP\n',
  '250\r\n354\r\n421 4.3.2 Service shutting down\r\n250 2.0.0 Grüße, 你好, \u00e9t\u00e9\r\n',
  // smtp-server (nodemailer), aiosmtpd and our sink.
  '220 localhost ESMTP\r\n250-localhost Nice to meet you, [127.0.0.1]\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-AUTH LOGIN PLAIN CRAM-MD5 XOAUTH2\r\n250 STARTTLS\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n',
  '220 aiosmtpd.local Python SMTP 1.4.4\r\n250-aiosmtpd.local\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 HELP\r\n503 Error: send HELO first\r\n',
  '220 localhost mailwire sink ESMTP ready\r\n250-localhost greets client.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-SIZE 26214400\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-DSN\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n',
  // Junk a capability parser must skip, keys that name object internals.
  '250-mx\r\n250-__proto__ polluted\r\n250-constructor x\r\n250-AUTH=\r\n250-SIZE 99999999999999999999\r\n250-SIZE -1\r\n250- PIPELINING\r\n250-\tSTARTTLS\r\n250-AUTH lowercase MECH-TOO-LONG-FOR-SASL-NAMES-XXXX\r\n250 \r\n',
];

export const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** One mutation of a byte string, as a broken or hostile server would produce it. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'repeat'; at: number; length: number; times: number }
  | { kind: 'digit'; at: number; value: number };

const HOSTILE_BYTES = [0x0d, 0x0a, 0x00, 0x20, 0x2d, 0x35, 0x32, 0xff, 0x80, 0x7f];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.oneof(fc.constantFrom(...HOSTILE_BYTES), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  // A slice repeated up to thousands of times: long lines, long multiline replies, floods of replies.
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }), times: fc.integer({ min: 2, max: 3000 }) }),
  fc.record({ kind: fc.constant('digit' as const), at: fc.nat(), value: fc.integer({ min: 0x30, max: 0x39 }) }),
);

export function applyMutation(input: Buffer, m: Mutation): Buffer {
  if (input.length === 0) return m.kind === 'insert' ? Buffer.from(m.bytes) : input;
  const at = m.at % input.length;
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(input);
      out[at] = (out[at] as number) ^ (1 << m.bit);
      return out;
    }
    case 'truncate':
      return input.subarray(0, at);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.bytes), input.subarray(at)]);
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.length)]);
    case 'repeat': {
      const slice = input.subarray(at, at + m.length);
      return Buffer.concat([input.subarray(0, at), ...Array.from({ length: m.times }, () => slice), input.subarray(at)]);
    }
    case 'digit': {
      const out = Buffer.from(input);
      out[at] = m.value;
      return out;
    }
  }
}

/** A real transcript with 1 to 4 mutations applied. */
export const mutatedTranscript: fc.Arbitrary<Buffer> = fc
  .tuple(fc.constantFrom(...TRANSCRIPTS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([text, mutations]) => mutations.reduce(applyMutation, enc(text)));

/** Cuts `bytes` at the given points (taken modulo its length). */
export { cutAt as chunk } from '../protocol/split.js';
