/**
 * Replies of a class the command cannot get (issue 14): a 250 to DATA, a 354 to MAIL, a 1xx anywhere. They
 * are protocol violations, not refusals: EPROTOCOL, and the session is broken (never reused).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import { greetAndEhlo, scriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { rejection as failure } from '../helpers/expect-error.js';

const NAME = 'client.test';
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function open(steps: Step[], capabilities: string[] = []): Promise<SmtpConnection> {
  server = await scriptedServer([...greetAndEhlo(NAME, capabilities), ...steps, { hang: true }]);
  const conn = new SmtpConnection({
    host: '127.0.0.1',
    port: server.port,
    security: 'none',
    clientName: NAME,
    useChunking: capabilities.includes('CHUNKING'),
    timeouts: { greetingMs: 2_000, commandMs: 2_000, dataMs: 2_000 },
  });
  await conn.open();
  return conn;
}

const ENVELOPE = { from: 'a@example.com', to: ['b@example.com'] };
const BODY = 'Subject: x\r\n\r\nhi\r\n';

async function expectViolation(conn: SmtpConnection, send: Promise<unknown>, delivery: 'none' | 'unknown' = 'none'): Promise<void> {
  const error = await failure(send);
  expect(error.code).toBe('EPROTOCOL');
  expect(error.message).toMatch(/out of sequence/);
  expect(error.delivery).toBe(delivery);
  expect(sessionHooks(conn).usable).toBe(false);
  expect(conn.state).toBe('broken');
}

describe('out-of-sequence replies in a transaction', () => {
  it.each<[string, Step[], string[], 'none' | 'unknown']>([
    ['250 to DATA (pipelined)', [{ c: /^MAIL/ }, { c: /^RCPT/ }, { c: 'DATA' }, { s: '250 ok' }, { s: '250 ok' }, { s: '250 ok' }], ['PIPELINING'], 'none'],
    ['354 to MAIL (pipelined)', [{ c: /^MAIL/ }, { c: /^RCPT/ }, { c: 'DATA' }, { s: '354 go' }, { s: '250 ok' }, { s: '354 go' }], ['PIPELINING'], 'none'],
    ['354 to RCPT (one by one)', [{ c: /^MAIL/ }, { s: '250 ok' }, { c: /^RCPT/ }, { s: '354 go' }], [], 'none'],
    ['250 to DATA (one by one)', [{ c: /^MAIL/ }, { s: '250 ok' }, { c: /^RCPT/ }, { s: '250 ok' }, { c: 'DATA' }, { s: '250 ok' }], [], 'none'],
    ['354 to the final dot', [{ c: /^MAIL/ }, { s: '250 ok' }, { c: /^RCPT/ }, { s: '250 ok' }, { c: 'DATA' }, { s: '354 go' }, { data: true }, { s: '354 again' }], [], 'unknown'],
    ['354 to BDAT LAST', [{ c: /^MAIL/ }, { c: /^RCPT/ }, { c: /^BDAT \d+ LAST$/ }, { bdat: 18 }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 what' }], ['PIPELINING', 'CHUNKING'], 'unknown'],
    ['354 to MAIL in a BDAT flight', [{ c: /^MAIL/ }, { c: /^RCPT/ }, { c: /^BDAT \d+ LAST$/ }, { bdat: 18 }, { s: '354 go' }, { s: '250 ok' }, { s: '250 ok' }], ['PIPELINING', 'CHUNKING'], 'unknown'],
  ])('%s: EPROTOCOL, session broken', async (_name, steps, caps, delivery) => {
    const conn = await open(steps, caps);
    await expectViolation(conn, conn.send(ENVELOPE, BODY), delivery);
  });
});

describe('out-of-sequence replies to single commands', () => {
  it('a 1xx reply (no SMTP command gets one) is EPROTOCOL and breaks the session', async () => {
    const conn = await open([{ c: /^MAIL/ }, { s: '199 what' }]);
    const error = await failure(conn.send(ENVELOPE, BODY));
    expect(error.code).toBe('EPROTOCOL');
    expect(sessionHooks(conn).usable).toBe(false);
  });
  it('354 to MAIL via mail(): EPROTOCOL, broken', async () => {
    const conn = await open([{ c: /^MAIL/ }, { s: '354 go' }]);
    await expectViolation(conn, conn.mail('a@example.com'));
  });
  it('354 to RSET: EPROTOCOL, broken', async () => {
    const conn = await open([{ c: 'RSET' }, { s: '354 go' }]);
    await expectViolation(conn, conn.rset());
  });
  it('250 to STARTTLS: EPROTOCOL, broken (not "refused")', async () => {
    server = await scriptedServer([...greetAndEhlo(NAME, ['STARTTLS']), { c: 'STARTTLS' }, { s: '250 sure' }, { hang: true }]);
    const conn = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'opportunistic', clientName: NAME, timeouts: { commandMs: 2_000 } });
    await expectViolation(conn, conn.open());
  });
  it('250 to AUTH: EPROTOCOL, broken', async () => {
    server = await scriptedServer([...greetAndEhlo(NAME, ['AUTH PLAIN']), { c: /^AUTH PLAIN/ }, { s: '250 ok' }, { hang: true }]);
    const conn = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'none', clientName: NAME, auth: { user: 'u', pass: 'p' }, timeouts: { commandMs: 2_000 } });
    await expectViolation(conn, conn.open());
  });
  it('354 to EHLO: EPROTOCOL, broken', async () => {
    server = await scriptedServer([{ s: '220 mx.test' }, { c: `EHLO ${NAME}` }, { s: '354 go' }, { hang: true }]);
    const conn = new SmtpConnection({ host: '127.0.0.1', port: server.port, security: 'none', clientName: NAME, timeouts: { commandMs: 2_000 } });
    await expectViolation(conn, conn.open());
  });
});

describe('refusals stay refusals', () => {
  it('550 to MAIL is EENVELOPE and the session stays usable', async () => {
    const conn = await open([{ c: /^MAIL/ }, { c: /^RCPT/ }, { c: 'DATA' }, { s: '550 no' }, { s: '503 need MAIL' }, { s: '503 need MAIL' }], ['PIPELINING']);
    const error = await failure(conn.send(ENVELOPE, BODY));
    expect(error.code).toBe('EENVELOPE');
    expect(sessionHooks(conn).usable).toBe(true);
  });
});
