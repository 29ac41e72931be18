/**
 * DSN asked for, server without DSN: the message goes without the parameters and `info.warnings` says so
 * (not only the transcript). Against smtp-server with and without its DSN extension.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type SmtpTransport } from '../../src/transport/transport.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';

let peer: SmtpServerPeer | undefined;
let transport: SmtpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await peer?.close();
  peer = transport = undefined;
});

async function start(hideDSN: boolean): Promise<{ server: SmtpServerPeer; t: SmtpTransport }> {
  peer = await startSmtpServerPeer({ noStartTls: true, server: { hideDSN } });
  transport = createTransport({ host: '127.0.0.1', port: peer.port, security: 'none', clientName: 'client.test', retry: { attempts: 1 } });
  return { server: peer, t: transport };
}

const message = { from: 'a@example.com', to: 'b@example.org', text: 'x', dsn: { ret: 'HDRS' as const, notify: ['FAILURE' as const], envid: 'env-1' } };

describe('info.warnings', () => {
  it("says 'dsn-not-offered' when DSN was asked for and the server does not offer it; the message still goes", async () => {
    const { server, t } = await start(true);
    const info = await t.send(message);
    expect(info.warnings).toEqual(['dsn-not-offered']);
    expect(info.accepted).toEqual(['b@example.org']);
    expect(server.mails[0]?.args).not.toHaveProperty('RET');
    expect(server.rcpts[0]?.args).not.toHaveProperty('NOTIFY');
    // sendRaw has no DSN option: nothing to warn about.
    expect(await t.sendRaw({ from: 'a@example.com', to: ['b@example.org'] }, 'Subject: x\r\n\r\nx\r\n')).not.toHaveProperty('warnings');
  });

  it('has no warnings when the server offers DSN, or when none was asked for', async () => {
    const { server, t } = await start(false);
    const info = await t.send(message);
    expect(info).not.toHaveProperty('warnings');
    expect(server.mails[0]?.args).toMatchObject({ RET: 'HDRS', ENVID: 'env-1' });
    expect(await t.send({ from: 'a@example.com', to: 'b@example.org', text: 'y' })).not.toHaveProperty('warnings');
  });
});
