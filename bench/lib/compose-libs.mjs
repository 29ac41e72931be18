/** Scenario 5: each library's own "message to bytes" call. Returns the byte count of the result. */
import { toEmailjs } from './clients.mjs';
import { loadMailwire } from './mailwire.mjs';

let mailwire;
let MailComposer;
let EmailjsMessage;

export async function composeOnce(library, message) {
  if (library === 'mailwire') {
    mailwire ??= await loadMailwire();
    return (await mailwire.composeToBuffer(message)).length;
  }
  if (library === 'nodemailer') {
    MailComposer ??= (await import('nodemailer/lib/mail-composer')).default;
    const { attachments, ...rest } = message;
    const mail = { ...rest, attachments: attachments.map((a) => ({ filename: a.filename, content: a.content })) };
    return (await new MailComposer(mail).compile().build()).length;
  }
  if (library === 'emailjs') {
    EmailjsMessage ??= (await import('emailjs')).Message;
    return Buffer.byteLength(await new EmailjsMessage(toEmailjs(message)).readAsync());
  }
  throw new Error(`unknown library ${library}`);
}
