/**
 * SMTPUTF8 by itself, against smtp-server (an independent implementation): non-ASCII local parts compose
 * without any option, SMTPUTF8 goes on MAIL when the server offers it, and a server without it gets nothing
 * (the send fails before MAIL with a hint). smtpUtf8: false refuses such addresses before a connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type SmtpTransport } from '../../src/transport/transport.js';
import type { TransportConfig } from '../../src/transport/config.js';
import { startSmtpServerPeer, type PeerOptions, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';
import { rejection } from '../helpers/expect-error.js';

let peer: SmtpServerPeer | undefined;
let transport: SmtpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await peer?.close();
  peer = transport = undefined;
});

async function start(peerOptions: PeerOptions = {}, more: Partial<TransportConfig> = {}): Promise<{ server: SmtpServerPeer; t: SmtpTransport; opened: number[]; wire: string[] }> {
  peer = await startSmtpServerPeer({ noStartTls: true, ...peerOptions });
  const opened: number[] = [];
  const wire: string[] = [];
  transport = createTransport({
    host: '127.0.0.1',
    port: peer.port,
    security: 'none',
    clientName: 'client.test',
    retry: { attempts: 1 },
    onTranscript: (e) => e.dir === 'C' && wire.push(e.line),
    ...more,
  });
  transport.on('connection:open', ({ id }) => opened.push(id));
  return { server: peer, t: transport, opened, wire };
}

const HINT = 'the server does not offer SMTPUTF8; use an ASCII address or a server that supports it';

describe('SMTPUTF8 is automatic', () => {
  it('sends jörg@bücher.example with SMTPUTF8 on MAIL, the domain as an A-label, no option needed', async () => {
    const { server, t, wire } = await start();
    const info = await t.send({ from: 'Jörg <jörg@bücher.example>', to: 'ünï@example.org', subject: 'Grüße', text: 'Grüße' });
    expect(info.accepted).toEqual(['ünï@example.org']);
    expect(wire.find((l) => l.startsWith('MAIL'))).toMatch(/^MAIL FROM:<jörg@xn--bcher-kva\.example> .*SMTPUTF8/);
    // smtp-server shows the domain decoded again (U-label): the same address.
    expect(server.mails[0]?.address).toBe('jörg@bücher.example');
    expect(server.mails[0]?.args).toMatchObject({ SMTPUTF8: true, BODY: '8BITMIME' });
    expect(server.messages[0]?.smtpUtf8).toBe(true);
    expect(server.messages[0]?.bytes.toString('utf8')).toMatch(/^From: .*<jörg@xn--bcher-kva\.example>/m);
  });

  it('ASCII local part at an international domain: A-label on the wire, no SMTPUTF8', async () => {
    const { server, t, wire } = await start({ server: { hideSMTPUTF8: true } });
    await t.send({ from: 'a@example.com', to: 'rcpt@bücher.example', text: 'x' });
    expect(wire).toContain('RCPT TO:<rcpt@xn--bcher-kva.example>');
    expect(server.mails[0]?.args).not.toMatchObject({ SMTPUTF8: true });
  });

  it('a server without SMTPUTF8: EENVELOPE before MAIL, with a hint, nothing sent', async () => {
    const { server, t } = await start({ server: { hideSMTPUTF8: true } });
    const error = await rejection(t.send({ from: 'a@example.com', to: 'jörg@bücher.example', text: 'x' }));
    expect(error.toJSON()).toMatchObject({ code: 'EENVELOPE', phase: 'mail', transient: false, delivery: 'none', hint: HINT });
    expect(error.message).toContain(HINT);
    expect(server.mails).toEqual([]);
    expect(server.dataStarted).toEqual([]);
  });

  it('a UTF-8 address only in the headers still needs SMTPUTF8: EMESSAGE when the server lacks it', async () => {
    const { server, t } = await start({ server: { hideSMTPUTF8: true } });
    const message = { from: 'jörg@bücher.example', to: 'b@example.org', envelope: { from: 'bounce@example.com' }, text: 'x' };
    const error = await rejection(t.send(message));
    expect(error.toJSON()).toMatchObject({ code: 'EMESSAGE', phase: 'mail', delivery: 'none', hint: HINT });
    expect(server.mails).toEqual([]);
  });

  it('a UTF-8 address only in the headers gets SMTPUTF8 when offered', async () => {
    const { server, t } = await start();
    await t.send({ from: 'jörg@bücher.example', to: 'b@example.org', envelope: { from: 'bounce@example.com' }, text: 'x' });
    expect(server.mails[0]).toMatchObject({ address: 'bounce@example.com', args: { SMTPUTF8: true } });
  });

  it('smtpUtf8: false refuses the address up front (EGUARD), before any connection', async () => {
    const { server, t, opened } = await start({}, { smtpUtf8: false });
    const error = await rejection(t.send({ from: 'a@example.com', to: 'jörg@bücher.example', text: 'x' }));
    expect(error.code).toBe('EGUARD');
    expect(error.message).toMatch(/needs SMTPUTF8/);
    expect(opened).toEqual([]);
    expect(server.mails).toEqual([]);
  });
});
