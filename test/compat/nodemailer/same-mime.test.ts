/**
 * One message sent through real nodemailer and through mailwire/nodemailer, to the same smtp-server, and
 * both read back with postal-mime: the same headers and parts, semantically (the bytes differ: boundaries,
 * encodings, Message-ID and Date are each library's own).
 */
import nodemailerReal from 'nodemailer';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailerCompat from '../../../src/compat/nodemailer/index.js';
import { MESSAGE, semantic } from './same-message.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../../helpers/smtp-server-peer.js';

let peer: SmtpServerPeer;
beforeAll(async () => {
  peer = await startSmtpServerPeer({ users: { user: 'pass' } });
});
afterAll(async () => {
  await peer.close();
});

describe('the same message through nodemailer and mailwire/nodemailer', () => {
  it('reads back the same with postal-mime', async () => {
    const options = { host: '127.0.0.1', port: peer.port, secure: false, auth: { user: 'user', pass: 'pass' }, tls: { rejectUnauthorized: false } };
    const real = nodemailerReal.createTransport(options);
    await real.sendMail(MESSAGE);
    real.close();
    const compat = nodemailerCompat.createTransport(options);
    await compat.sendMail(MESSAGE);
    compat.close();
    expect(peer.messages).toHaveLength(2);
    const [fromReal, fromCompat] = await Promise.all(peer.messages.map((m) => PostalMime.parse(m.bytes)));
    const a = semantic(fromReal!);
    const b = semantic(fromCompat!);
    expect(b).toEqual(a);
    // and what both sent is what was asked for
    expect(a.subject).toBe(MESSAGE.subject);
    expect(a.attachments).toHaveLength(4);
    expect(peer.mails.map((m) => m.address)).toEqual(['john@example.com', 'john@example.com']);
    expect(peer.rcpts.map((r) => r.address)).toEqual(['jane@example.com', 'bob@example.com', 'carol@example.com', 'jane@example.com', 'bob@example.com', 'carol@example.com']);
  });
});
