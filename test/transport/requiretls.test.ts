/**
 * REQUIRETLS (RFC 8689) transcripts: the MAIL parameter goes out only over verified TLS to a server that
 * offers it; every other case fails before MAIL with ETLS, delivery 'none', nothing of the message sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type SmtpTransport } from '../../src/transport/transport.js';
import type { TransportConfig } from '../../src/transport/config.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { greetAndEhlo, scriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { rejection } from '../helpers/expect-error.js';

const NAME = 'client.test';
let server: ScriptedServer | undefined;
let transport: SmtpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  server = transport = undefined;
});

function start(port: number, more: Partial<TransportConfig> = {}): SmtpTransport {
  transport = createTransport({
    host: '127.0.0.1',
    port,
    security: 'starttls',
    tls: { ca: TEST_CERTIFICATE },
    clientName: NAME,
    retry: { attempts: 1 },
    timeouts: { greetingMs: 3_000, commandMs: 3_000, dataMs: 3_000 },
    ...more,
  });
  return transport;
}

/** Greeting, EHLO, STARTTLS, TLS, EHLO again with `caps`. */
function overTls(caps: string[]): Step[] {
  return [...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { s: '220 go ahead' }, { tls: true }, ...greetAndEhlo(NAME, caps).slice(1)];
}

const envelope = { from: 'a@example.com', to: ['b@example.com'] };
const raw = 'Subject: t\r\n\r\nhello\r\n';

describe('REQUIRETLS', () => {
  it('sends MAIL FROM:<...> REQUIRETLS over TLS to a server that offers it (send and sendRaw)', async () => {
    const transaction: Step[] = [
      { c: 'MAIL FROM:<a@example.com> REQUIRETLS' },
      { s: '250 2.1.0 ok' },
      { c: 'RCPT TO:<b@example.com>' },
      { s: '250 2.1.5 ok' },
      { c: 'DATA' },
      { s: '354 go' },
      { data: true },
      { s: '250 2.0.0 queued' },
    ];
    server = await scriptedServer([...overTls(['REQUIRETLS', '8BITMIME']), ...transaction, ...transaction, { c: 'QUIT' }, { s: '221 bye' }]);
    const t = start(server.port);
    const info = await t.sendRaw(envelope, raw, { requireTls: true });
    expect(info.accepted).toEqual(['b@example.com']);
    await t.send({ from: 'a@example.com', to: 'b@example.com', subject: 't', text: 'hello', requireTls: true });
    await t.close();
    expect(server.errors).toEqual([]);
  });

  it.each([
    { name: 'a server that does not offer REQUIRETLS (over TLS)', script: () => overTls(['8BITMIME']), config: {} },
    { name: 'a plaintext connection to a server that offers it', script: () => greetAndEhlo(NAME, ['REQUIRETLS']), config: { security: 'none' as const } },
    {
      name: 'TLS whose certificate was not verified',
      script: () => overTls(['REQUIRETLS']),
      config: { tls: { rejectUnauthorized: false } },
    },
  ])('fails before MAIL with ETLS for $name; nothing sent', async ({ script, config }) => {
    server = await scriptedServer([...script(), { c: 'QUIT' }, { s: '221 bye' }]);
    const t = start(server.port, config);
    // One after the other: the refused send leaves the session usable, and the second one reuses it.
    for (const attempt of [() => t.sendRaw(envelope, raw, { requireTls: true }), () => t.send({ from: 'a@example.com', to: 'b@example.com', text: 'x', requireTls: true })]) {
      const error = await rejection(attempt());
      expect(error.toJSON()).toMatchObject({ code: 'ETLS', phase: 'mail', transient: false, delivery: 'none' });
      expect(error.hint).toMatch(/REQUIRETLS/);
    }
    await t.close();
    expect(server.received.join('')).not.toMatch(/MAIL|RCPT|DATA/);
  });

  it('without requireTls the parameter is never sent', async () => {
    server = await scriptedServer([
      ...overTls(['REQUIRETLS']),
      { c: 'MAIL FROM:<a@example.com>' },
      { s: '250 ok' },
      { c: 'RCPT TO:<b@example.com>' },
      { s: '250 ok' },
      { c: 'DATA' },
      { s: '354 go' },
      { data: true },
      { s: '250 queued' },
      { c: 'QUIT' },
      { s: '221 bye' },
    ]);
    const t = start(server.port);
    await t.sendRaw(envelope, raw);
    await t.close();
    expect(server.errors).toEqual([]);
  });
});
