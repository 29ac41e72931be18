import { afterEach, describe, expect, it } from 'vitest';
import { SmtpConnection } from '../../src/connection/smtp-connection.js';
import { SmtpError } from '../../src/errors.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import type { TranscriptEntry } from '../../src/connection/transcript.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { greetAndEhlo, pipelinedToDot, scriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { rejection as failure } from '../helpers/expect-error.js';

const NAME = 'client.test';
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(steps: Step[][], options: Partial<ConnectionOptions> = {}): Promise<{ conn: SmtpConnection; server: ScriptedServer }> {
  server = await scriptedServer(...steps);
  const conn = new SmtpConnection({
    host: '127.0.0.1',
    port: server.port,
    security: 'none',
    clientName: NAME,
    timeouts: { greetingMs: 2_000, commandMs: 2_000, dataMs: 2_000 },
    ...options,
  });
  return { conn, server };
}


const quit: Step[] = [{ c: 'QUIT' }, { s: '221 bye' }];

describe('session basics', () => {
  it('pipelines MAIL, RCPT and DATA in one write and sends the dot-stuffed body', async () => {
    const { conn, server } = await run([
      [
        ...greetAndEhlo(NAME, ['PIPELINING', 'SIZE 1000', '8BITMIME']),
        { c: 'MAIL FROM:<a@example.com> SIZE=19' },
        { c: 'RCPT TO:<b@example.com>' },
        { c: 'DATA' },
        { s: '250 2.1.0 ok' },
        { s: '250 2.1.5 ok' },
        { s: '354 go' },
        { data: true },
        { s: '250 2.0.0 queued as X' },
        ...quit,
      ],
    ]);
    await conn.open();
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'Hi\n.dot\r\nlast\rx');
    await conn.quit();
    expect(result.accepted).toEqual(['b@example.com']);
    expect(result.response).toBe('250 2.0.0 queued as X');
    // No bare CR or LF reaches the wire; the leading dot is doubled; one CRLF.CRLF terminator.
    expect(server.bodies[0]?.toString()).toBe('Hi\r\n..dot\r\nlast\r\nx\r\n.\r\n');
    expect(server.errors).toEqual([]);
    expect(server.received[0]).toContain('MAIL FROM:<a@example.com> SIZE=19\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
  });

  it('sends one command at a time without PIPELINING', async () => {
    const { conn, server } = await run([
      [
        ...greetAndEhlo(NAME, ['8BITMIME']),
        { c: 'MAIL FROM:<a@example.com>' },
        { s: '250 ok' },
        { c: 'RCPT TO:<b@example.com>' },
        { s: '250 ok' },
        { c: 'RCPT TO:<c@example.com>' },
        { s: '250 ok' },
        { c: 'DATA' },
        { s: '354 go' },
        { data: true },
        { s: '250 ok' },
        ...quit,
      ],
    ]);
    await conn.open();
    await conn.send({ from: 'a@example.com', to: ['b@example.com', 'c@example.com'] }, 'x');
    await conn.quit();
    expect(server.errors).toEqual([]);
  });

  it('falls back to HELO when EHLO is not known', async () => {
    const { conn, server } = await run([
      [{ s: '220 old' }, { c: `EHLO ${NAME}` }, { s: '502 unknown' }, { c: `HELO ${NAME}` }, { s: '250 hi' }, ...quit],
    ]);
    const caps = await conn.open();
    expect(caps.capabilities?.pipelining).toBe(false);
    await conn.quit();
    expect(server.errors).toEqual([]);
  });

  it('treats a 554 greeting as a refused connection', async () => {
    const { conn } = await run([[{ s: '554 no service for you' }, { hang: true }]]);
    const error = await failure(conn.open());
    expect(error.code).toBe('ECONNECTION');
    expect(error.phase).toBe('greeting');
    expect(error.replyCode).toBe(554);
    expect(error.transient).toBe(false);
  });

  it('times out when the greeting never comes, and closes the socket', async () => {
    const { conn } = await run([[{ hang: true }]], { timeouts: { greetingMs: 200 } });
    const error = await failure(conn.open());
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.phase).toBe('greeting');
    expect(conn.state).toBe('broken');
  });

  it('fails with ECONNECTION on 421 at any point', async () => {
    const { conn } = await run([[{ s: '220 hi' }, { c: `EHLO ${NAME}` }, { s: '421 4.3.2 shutting down' }, { close: true }]]);
    const error = await failure(conn.open());
    expect(error.code).toBe('ECONNECTION');
    expect(error.replyCode).toBe(421);
    expect(error.transient).toBe(true);
    expect(error.phase).toBe('ehlo');
  });

  it('breaks the session on a reply nobody asked for', async () => {
    const { conn } = await run([[...greetAndEhlo(NAME, []), { s: '250 surprise' }, { hang: true }]]);
    await conn.open();
    await new Promise((r) => setTimeout(r, 100));
    expect(conn.state).toBe('broken');
    const error = await failure(conn.noop());
    expect(error.code).toBe('EPROTOCOL');
  });

  it('rejects a reply line over the limit without buffering it all', async () => {
    const { conn } = await run([[{ raw: `220 ${'x'.repeat(200_000)}` }, { hang: true }]]);
    const error = await failure(conn.open());
    expect(error.code).toBe('EPROTOCOL');
  });

  it('rejects an endless multiline reply', async () => {
    const { conn } = await run([[{ raw: '220-hi\r\n'.repeat(5_000) }, { hang: true }]]);
    const error = await failure(conn.open());
    expect(error.code).toBe('EPROTOCOL');
  });
});

describe('recipients and sizes', () => {
  const envelopeSteps = (rcptReplies: string[], rest: Step[]): Step[] => [
    ...greetAndEhlo(NAME, ['PIPELINING']),
    { c: 'MAIL FROM:<a@example.com>' },
    { c: 'RCPT TO:<b@example.com>' },
    { c: 'RCPT TO:<c@example.com>' },
    { c: 'DATA' },
    { s: '250 ok' },
    ...rcptReplies.map((s) => ({ s })),
    ...rest,
  ];

  it('reports recipients refused one by one and delivers to the rest', async () => {
    const { conn, server } = await run([
      envelopeSteps(['550 5.1.1 no such user', '250 ok'], [{ s: '354 go' }, { data: true }, { s: '250 ok' }, ...quit]),
    ]);
    await conn.open();
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com', 'c@example.com'] }, 'x');
    await conn.quit();
    expect(result.accepted).toEqual(['c@example.com']);
    expect(result.rejected).toEqual([{ address: 'b@example.com', code: 550, enhancedCode: '5.1.1', message: 'no such user' }]);
    expect(server.errors).toEqual([]);
  });

  it('with every recipient refused: EENVELOPE, no body, RSET, session kept', async () => {
    const { conn, server } = await run([
      envelopeSteps(['550 no', '550 no'], [{ s: '554 no valid recipients' }, { c: 'RSET' }, { s: '250 ok' }, { c: 'NOOP' }, { s: '250 ok' }, ...quit]),
    ]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com', 'c@example.com'] }, 'x'));
    expect(error.code).toBe('EENVELOPE');
    expect(error.delivery).toBe('none');
    expect(error.rejected).toHaveLength(2);
    await conn.noop();
    await conn.quit();
    expect(server.bodies).toHaveLength(0);
    expect(server.errors).toEqual([]);
  });

  it('ends a 354 given after every recipient failed with an empty message (RFC 2920)', async () => {
    const { conn, server } = await run([
      envelopeSteps(['550 no', '550 no'], [{ s: '354 go anyway' }, { c: '.' }, { s: '554 no recipients' }, { c: 'RSET' }, { s: '250 ok' }, ...quit]),
    ]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com', 'c@example.com'] }, 'secret body'));
    expect(error.code).toBe('EENVELOPE');
    await conn.quit();
    expect(server.received[0]).not.toContain('secret body');
    expect(server.errors).toEqual([]);
  });

  it('refuses a message over the server SIZE before writing MAIL', async () => {
    const { conn, server } = await run([[...greetAndEhlo(NAME, ['PIPELINING', 'SIZE 10']), ...quit]]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'more than ten bytes'));
    expect(error.code).toBe('ESIZE');
    await conn.quit();
    expect(server.received[0]).not.toContain('MAIL FROM');
  });

  it('refuses 8-bit content without 8BITMIME and uses BODY=8BITMIME when offered', async () => {
    const { conn, server } = await run([
      [
        ...greetAndEhlo(NAME, ['PIPELINING']),
        ...quit,
      ],
      [
        ...greetAndEhlo(NAME, ['PIPELINING', '8BITMIME']),
        ...pipelinedToDot('MAIL FROM:<a@example.com> BODY=8BITMIME'),
        { s: '250 ok' },
        ...quit,
      ],
    ]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'caf\u00e9'));
    expect(error.code).toBe('EMESSAGE');
    await conn.quit();
    const second = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'none', clientName: NAME });
    await second.open();
    await second.send({ from: 'a@example.com', to: ['b@example.com'] }, 'caf\u00e9');
    await second.quit();
    expect(server.errors).toEqual([]);
  });

  it('needs SMTPUTF8 for a non-ASCII address and sends nothing without it', async () => {
    const { conn, server } = await run([[...greetAndEhlo(NAME, ['PIPELINING', '8BITMIME']), ...quit]]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['jos\u00e9@example.com'] }, 'x'));
    expect(error.code).toBe('EENVELOPE');
    expect(error.message).toContain('SMTPUTF8');
    await conn.quit();
    expect(server.received[0]).not.toContain('MAIL');
  });

  it('refuses parameter smuggling through an address before writing', async () => {
    const { conn, server } = await run([[...greetAndEhlo(NAME, ['PIPELINING']), ...quit]]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com> NOTIFY=NEVER'] }, 'x'));
    expect(error.code).toBe('EGUARD');
    await conn.quit();
    expect(server.received[0]).not.toContain('MAIL');
  });
});

describe('CHUNKING and cross-message pipelining', () => {
  it('sends MAIL, RCPT and BDAT LAST with the body in one flight', async () => {
    const { conn, server } = await run([
      [
        ...greetAndEhlo(NAME, ['PIPELINING', 'CHUNKING', 'SIZE 0']),
        { c: 'MAIL FROM:<a@example.com> SIZE=7' },
        { c: 'RCPT TO:<b@example.com>' },
        { c: 'BDAT 7 LAST' },
        { bdat: 7 },
        { s: '250 ok' },
        { s: '250 ok' },
        { s: '250 2.0.0 queued' },
        ...quit,
      ],
    ]);
    await conn.open();
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, '.a\nb\n');
    await conn.quit();
    expect(result.method).toBe('BDAT');
    // BDAT needs no dot-stuffing, only CRLF line ends.
    expect(server.bodies[0]?.toString()).toBe('.a\r\nb\r\n');
    expect(server.errors).toEqual([]);
  });

  it("writes the next message's MAIL before the previous dot's reply (one round trip per message)", async () => {
    const { conn, server } = await run([
      [
        ...greetAndEhlo(NAME, ['PIPELINING']),
        ...pipelinedToDot(),
        // The server has not answered the first dot yet, and the client already starts message two.
        { c: 'MAIL FROM:<a@example.com>' },
        { c: 'RCPT TO:<c@example.com>' },
        { c: 'DATA' },
        { s: '250 first queued' },
        { s: '250 ok' },
        { s: '250 ok' },
        { s: '354 go' },
        { data: true },
        { s: '250 second queued' },
        ...quit,
      ],
    ]);
    await conn.open();
    const [one, two] = await Promise.all([
      conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'one'),
      conn.send({ from: 'a@example.com', to: ['c@example.com'] }, 'two'),
    ]);
    await conn.quit();
    expect(one.response).toBe('250 first queued');
    expect(two.response).toBe('250 second queued');
    expect(server.errors).toEqual([]);
  });
});

describe('delivery accounting', () => {
  it("reports delivery 'unknown' when the connection dies after the final dot", async () => {
    const { conn } = await run([
      [
        ...greetAndEhlo(NAME, ['PIPELINING']),
        ...pipelinedToDot(),
        { close: true },
      ],
    ]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'x'));
    expect(error.code).toBe('ECONNECTION');
    expect(error.delivery).toBe('unknown');
    expect(error.phase).toBe('data');
  });

  it("reports delivery 'none' when the connection dies before the dot", async () => {
    const { conn } = await run([
      [...greetAndEhlo(NAME, ['PIPELINING']), { c: 'MAIL FROM:<a@example.com>' }, { c: 'RCPT TO:<b@example.com>' }, { c: 'DATA' }, { close: true }],
    ]);
    await conn.open();
    const error = await failure(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'x'));
    expect(error.code).toBe('ECONNECTION');
    expect(error.delivery).toBe('none');
  });

  it('a signal that cannot take a listener fails that send only: the next transaction on the connection is not stuck behind it', async () => {
    const { conn } = await run([
      [
        ...greetAndEhlo(NAME, ['PIPELINING']),
        ...pipelinedToDot(),
        { s: '250 queued' },
        ...quit,
      ],
    ]);
    await conn.open();
    const broken = { aborted: false, addEventListener: () => { throw new TypeError('not a signal'); } } as unknown as AbortSignal;
    await expect(conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'x', { signal: broken })).rejects.toThrow('not a signal');
    const result = await conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'x');
    expect(result.replyCode).toBe(250);
    await conn.quit();
  });

  it('aborts before the dot with EABORT and drops the session', async () => {
    const { conn } = await run([
      [...greetAndEhlo(NAME, ['PIPELINING']), { c: 'MAIL FROM:<a@example.com>' }, { c: 'RCPT TO:<b@example.com>' }, { c: 'DATA' }, { hang: true }],
    ]);
    await conn.open();
    const controller = new AbortController();
    const sending = conn.send({ from: 'a@example.com', to: ['b@example.com'] }, 'x', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(sending);
    expect(error.code).toBe('EABORT');
    expect(error.delivery).toBe('none');
  });
});

describe('STARTTLS', () => {
  const tls = { ca: TEST_CERTIFICATE, servername: 'localhost' };

  it('upgrades, forgets what it learned before, and EHLOs again', async () => {
    const entries: TranscriptEntry[] = [];
    const { conn, server } = await run(
      [
        [
          ...greetAndEhlo(NAME, ['STARTTLS']),
          { c: 'STARTTLS' },
          { s: '220 go ahead' },
          { tls: true },
          { c: `EHLO ${NAME}` },
          { s: '250-mx.test' },
          { s: '250 AUTH PLAIN' },
          { c: /^AUTH PLAIN [A-Za-z0-9+/=]+$/ },
          { s: '235 ok' },
          ...quit,
        ],
      ],
      { security: 'starttls', tls, auth: { user: 'u', pass: 'hunter2-secret' }, onTranscript: (e) => entries.push(e) },
    );
    await conn.open();
    expect(conn.secure).toBe(true);
    expect(conn.capabilities?.starttls).toBe(false);
    expect(conn.capabilities?.auth).toEqual(['PLAIN']);
    expect(conn.tlsInfo?.authorized).toBe(true);
    await conn.quit();
    expect(server.errors).toEqual([]);
    const text = entries.map((e) => e.line).join('\n');
    expect(text).toContain('AUTH PLAIN <redacted>');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(Buffer.from('\0u\0hunter2-secret').toString('base64'));
  });

  it('refuses to continue in plaintext when STARTTLS is required but not offered', async () => {
    const { conn, server } = await run([[...greetAndEhlo(NAME, ['AUTH PLAIN']), { hang: true }]], { security: 'starttls', tls });
    const error = await failure(conn.open());
    expect(error.code).toBe('ETLS');
    expect(server.received[0]).not.toContain('AUTH');
  });

  it('treats 454 to STARTTLS as ETLS (transient) when TLS is required', async () => {
    const { conn } = await run([[...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { s: '454 4.7.0 TLS not available' }, { hang: true }]], {
      security: 'starttls',
      tls,
    });
    const error = await failure(conn.open());
    expect(error.code).toBe('ETLS');
    expect(error.transient).toBe(true);
  });

  it('continues in plaintext after 454 when opportunistic', async () => {
    const { conn, server } = await run([[...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { s: '454 no' }, ...quit]], {
      security: 'opportunistic',
      tls,
    });
    await conn.open();
    expect(conn.secure).toBe(false);
    await conn.quit();
    expect(server.errors).toEqual([]);
  });

  it('rejects replies injected after the STARTTLS 220', async () => {
    const { conn } = await run([[...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { raw: '220 go\r\n250-injected\r\n250 AUTH PLAIN\r\n' }, { hang: true }]], {
      security: 'starttls',
      tls,
    });
    const error = await failure(conn.open());
    expect(error.code).toBe('EPROTOCOL');
    expect(conn.secure).toBe(false);
  });

  it('rejects a partial line injected after the STARTTLS 220', async () => {
    const { conn } = await run([[...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { raw: '220 go\r\n250 inj' }, { hang: true }]], {
      security: 'starttls',
      tls,
    });
    const error = await failure(conn.open());
    expect(error.code).toBe('EPROTOCOL');
  });

  it('fails with ETLS when the certificate is not trusted', async () => {
    const { conn } = await run([[...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { s: '220 go' }, { tls: true }, { hang: true }]], {
      security: 'starttls',
      tls: { servername: 'localhost' },
    });
    const error = await failure(conn.open());
    expect(error.code).toBe('ETLS');
    expect(error.message).toMatch(/self-signed|trust/);
  });
});

describe('AUTH', () => {
  it('refuses PLAIN over plaintext to a non-loopback host', async () => {
    server = await scriptedServer([...greetAndEhlo(NAME, ['AUTH PLAIN LOGIN']), { hang: true }]);
    const port = server.port;
    const net = await import('node:net');
    const conn = new SmtpConnection({
      host: 'mail.example.com',
      port: 587,
      security: 'none',
      clientName: NAME,
      auth: { user: 'u', pass: 'p' },
      // The connector ignores the name: the test never leaves loopback, but the session believes it is remote.
      connector: async () => {
        const socket = net.connect(port, '127.0.0.1');
        await new Promise((r) => socket.once('connect', r));
        return { stream: socket, encrypted: false };
      },
    });
    const error = await failure(conn.open());
    expect(error.code).toBe('EAUTH');
    expect(server.received[0]).not.toContain('AUTH');
  });

  it('reports a refused login as EAUTH with the server words and no secret', async () => {
    const { conn } = await run([[...greetAndEhlo(NAME, ['AUTH LOGIN']), { c: 'AUTH LOGIN' }, { s: '334 VXNlcm5hbWU6' }, { c: 'dQ==' }, { s: '334 UGFzc3dvcmQ6' }, { c: /.+/ }, { s: '535 5.7.8 Authentication credentials invalid' }, { hang: true }]], {
      auth: { user: 'u', pass: 'p4ssw0rd-value', method: 'login' },
    });
    const error = await failure(conn.open());
    expect(error.code).toBe('EAUTH');
    expect(error.replyCode).toBe(535);
    expect(error.enhancedCode).toBe('5.7.8');
    const everything = JSON.stringify(error) + error.message + String(error.stack);
    expect(everything).not.toContain('p4ssw0rd');
    expect(everything).not.toContain(Buffer.from('p4ssw0rd-value').toString('base64'));
  });
});
