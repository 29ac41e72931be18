/**
 * One message with most of nodemailer's fields, and what of a parsed copy must be the same whichever
 * library composed it (shared by same-mime.test.ts and test/interop/nodemailer-compat.test.ts).
 */
import type { Email } from 'postal-mime';

export const MESSAGE = {
  from: '"Jöhn Dœ" <john@example.com>',
  to: 'Jane <jane@example.com>, bob@example.com',
  cc: [{ name: 'Carol, C.', address: 'carol@example.com' }],
  replyTo: 'replies@example.com',
  subject: 'Grüße: a long subject line that will need folding because it goes on well beyond seventy-eight characters ✔',
  text: 'Plain text with ümlauts and a long line '.repeat(5) + '\nSecond line.\n.\nA line with only a dot above.',
  html: '<p>HTML with <b>ümlauts</b> and an image <img src="cid:logo@example.com"></p>',
  headers: { 'X-Campaign': 'spring-2026' },
  list: { unsubscribe: { url: 'https://example.com/unsub', comment: 'Unsubscribe' } },
  inReplyTo: '<parent@example.com>',
  references: ['<root@example.com>', '<parent@example.com>'],
  attachments: [
    { filename: 'notes.txt', content: 'Some notes\nover two lines' },
    { filename: 'data.bin', content: Buffer.from([0, 1, 2, 3, 254, 255]) },
    { filename: 'base64.txt', content: 'aGVsbG8gd29ybGQh', encoding: 'base64' },
    { filename: 'logo.png', content: Buffer.from('89504e470d0a1a0a', 'hex'), cid: 'logo@example.com' },
  ],
};

export function semantic(email: Email) {
  const header = (key: string) => email.headers.filter((h) => h.key === key).map((h) => h.value.replace(/\s+/g, ' '));
  return {
    from: email.from,
    to: email.to,
    cc: email.cc,
    replyTo: email.replyTo,
    subject: email.subject,
    inReplyTo: email.inReplyTo,
    references: email.references?.replace(/\s+/g, ' '),
    text: email.text?.replace(/\r\n/g, '\n').trim(),
    html: email.html?.replace(/\r\n/g, '\n').trim(),
    campaign: header('x-campaign'),
    unsubscribe: header('list-unsubscribe'),
    hasDate: header('date').length === 1,
    hasMessageId: /^<.+@.+>$/.test(email.messageId ?? ''),
    mimeVersion: header('mime-version'),
    attachments: email.attachments
      .map((a) => ({
        filename: a.filename,
        mimeType: a.mimeType,
        disposition: a.disposition,
        contentId: a.contentId,
        bytes: Buffer.from(a.content as ArrayBuffer).toString('hex'),
      }))
      .sort((a, b) => String(a.filename).localeCompare(String(b.filename))),
  };
}

