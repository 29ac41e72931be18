/**
 * A failed mutual authentication breaks the session (issue 14): a server that cannot prove it knows the
 * password (wrong SCRAM signature, a nonce that is not ours, an absurd iteration count) gets nothing more.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import { rejection as failure } from '../helpers/expect-error.js';

type ServerFirst = (clientNonce: string) => string;

interface FakeServer {
  port: number;
  /** Every line the client sent after the AUTH exchange. */
  after: string[];
  close(): Promise<void>;
}

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A SCRAM-SHA-256 server that answers with `serverFirst`, then 235 with a server signature that is wrong. */
async function scramServer(serverFirst: ServerFirst): Promise<FakeServer> {
  const after: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buffer = '';
    let stage: 'ehlo' | 'auth' | 'final' | 'done' = 'ehlo';
    socket.write('220 mx.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let eol = buffer.indexOf('\r\n'); eol !== -1; eol = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (stage === 'ehlo') {
          socket.write('250-mx.test\r\n250-PIPELINING\r\n250 AUTH SCRAM-SHA-256\r\n');
          stage = 'auth';
        } else if (stage === 'auth') {
          const clientFirst = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString();
          const nonce = /r=([^,]+)/.exec(clientFirst)?.[1] ?? '';
          socket.write(`334 ${Buffer.from(serverFirst(nonce)).toString('base64')}\r\n`);
          stage = 'final';
        } else if (stage === 'final') {
          if (line === '*') socket.write('501 5.7.0 cancelled\r\n');
          else socket.write(`235 2.7.0 ${Buffer.from(`v=${Buffer.alloc(32, 7).toString('base64')}`).toString('base64')}\r\n`);
          stage = 'done';
        } else {
          after.push(line);
          socket.write(line === 'QUIT' ? '221 bye\r\n' : '250 ok\r\n');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    after,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const SALT = Buffer.from('salt-for-the-test').toString('base64');

describe('a server that fails to prove its identity', () => {
  it.each<[string, ServerFirst]>([
    ['a wrong server signature in the 235', (nonce) => `r=${nonce}server,s=${SALT},i=4096`],
    ['a nonce that does not extend ours', () => `r=someone-elses-nonce,s=${SALT},i=4096`],
    ['more iterations than the cap', (nonce) => `r=${nonce}server,s=${SALT},i=100001`],
  ])('%s: open() rejects with EAUTH, the session is broken, and nothing more is sent', async (_name, serverFirst) => {
    fake = await scramServer(serverFirst);
    const conn = new SmtpConnection({ host: '127.0.0.1', port: fake.port, security: 'none', clientName: 'client.test', auth: { user: 'u', pass: 'secret-pass' }, timeouts: { commandMs: 5_000 } });
    const error = await failure(conn.open());
    expect(error.code).toBe('EAUTH');
    expect(sessionHooks(conn).usable).toBe(false);
    // The old code sent MAIL, RCPT and DATA here, and waited for their replies before failing.
    await failure(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'Subject: x\r\n\r\nx\r\n'));
    expect(fake.after.filter((line) => /^(MAIL|RCPT|DATA)/.test(line))).toEqual([]);
  });
});
