/**
 * The bench's message pump against a scripted server: the exact exchange per capability, every refusal
 * counted with the client's error code while the session goes on, RSET where the server may still hold a
 * transaction, a connection dropped mid-pipeline (messages in flight failed, a new session opened), a
 * silent server (the session's one timer), and sent + failed always equal to the messages asked for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runBench, type BenchOptions } from '../../src/bench-engine/index.js';
import { greetAndEhlo, scriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-server.js';

const NAME = 'bench.test';
const MAIL = 'MAIL FROM:<a@example.com>';
const RCPT = 'RCPT TO:<rcpt1@example.com>';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function options(port: number, messages: number, extra: Partial<BenchOptions> = {}): BenchOptions {
  return {
    target: { host: '127.0.0.1', port, security: 'none', clientName: NAME, timeoutMs: 5_000 },
    connections: 1,
    messages,
    size: 600,
    recipients: 1,
    pipelining: true,
    workers: 1,
    from: 'a@example.com',
    recipientDomain: 'example.com',
    engine: 'pump',
    ...extra,
  };
}

const envelope = (reset = false): Step[] => [...(reset ? [{ c: 'RSET' }] : []), { c: MAIL }, { c: RCPT }, { c: 'DATA' }];
const quit: Step[] = [{ c: 'QUIT' }, { s: '221 bye' }];

describe('message pump: refusals and faults', () => {
  it('PIPELINING: 4xx/5xx at MAIL, RCPT, DATA and the dot are counted, RSET follows where needed, the session goes on', async () => {
    server = await scriptedServer([
      ...greetAndEhlo(NAME, ['PIPELINING']),
      // 1: accepted
      ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true },
      // 2 rides behind 1's dot; its sender is refused (nothing held: no RSET after it)
      ...envelope(), { s: '250 queued' }, { s: '550 5.1.0 sender refused' }, { s: '503 5.5.1 need MAIL' }, { s: '503 5.5.1 need RCPT' },
      // 3: recipient refused (the server holds the sender: RSET leads the next group)
      ...envelope(), { s: '250 ok' }, { s: '450 4.2.1 mailbox busy' }, { s: '554 5.5.1 no valid recipients' },
      // 4: DATA refused
      ...envelope(true), { s: '250 reset' }, { s: '250 ok' }, { s: '250 ok' }, { s: '451 4.3.0 try later' },
      // 5: the dot refused (5xx); 6 rides behind it and its dot gets a 4xx
      ...envelope(true), { s: '250 reset' }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true },
      ...envelope(), { s: '554 5.7.1 content rejected' }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true },
      // 7 rides behind 6's dot and is accepted
      ...envelope(), { s: '452 4.3.1 queue full' }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, { s: '250 ok' },
      ...quit,
    ]);
    const result = await runBench(options(server.port, 7));
    await server.done;
    expect(server.errors).toEqual([]);
    expect(result.messages).toEqual({ requested: 7, attempted: 7, sent: 2, failed: 5, notAttempted: 0 });
    expect(result.errors).toEqual({ EENVELOPE: 2, EMESSAGE: 3 });
    expect(result.errorMessages.EENVELOPE).toContain('550 5.1.0 sender refused');
    expect(result.errorMessages.EMESSAGE).toContain('451 4.3.0 try later');
    expect(result.sessionsOpened).toBe(1);
    expect(result.connectionErrors).toEqual({});
    expect(server.bodies).toHaveLength(4);
  });

  it('DATA accepted though every recipient was refused: an empty dot ends it, then RSET', async () => {
    server = await scriptedServer([
      ...greetAndEhlo(NAME, ['PIPELINING']),
      ...envelope(), { s: '250 ok' }, { s: '550 5.1.1 no such user' }, { s: '354 go anyway' },
      { c: '.' }, { s: '554 5.5.1 no valid recipients' },
      ...envelope(true), { s: '250 reset' }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, { s: '250 ok' },
      ...quit,
    ]);
    const result = await runBench(options(server.port, 2));
    await server.done;
    expect(server.errors).toEqual([]);
    expect(result.messages).toMatchObject({ sent: 1, failed: 1, attempted: 2 });
    expect(result.errors).toEqual({ EENVELOPE: 1 });
    expect(result.errorMessages.EENVELOPE).toContain('550 5.1.1');
  });

  it('a connection dropped mid-pipeline fails the messages in flight; a new session sends the rest', async () => {
    server = await scriptedServer(
      [
        ...greetAndEhlo(NAME, ['PIPELINING']),
        ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true },
        ...envelope(), // 1's dot and 2's envelope are on the wire: the server hangs up without answering
        { close: true },
      ],
      [
        ...greetAndEhlo(NAME, ['PIPELINING']),
        ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true },
        ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, { s: '250 ok' },
        ...quit,
      ],
    );
    const result = await runBench(options(server.port, 4));
    await server.done;
    expect(server.errors).toEqual([]);
    expect(result.messages).toEqual({ requested: 4, attempted: 4, sent: 2, failed: 2, notAttempted: 0 });
    expect(result.errors).toEqual({ ECONNECTION: 2 });
    expect(result.sessionsOpened).toBe(2);
  });

  it('a connection reset (TCP RST) mid-pipeline: the messages in flight fail ECONNECTION, the rest go on', async () => {
    server = await scriptedServer(
      [...greetAndEhlo(NAME, ['PIPELINING']), ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, ...envelope(), { reset: true }],
      [...greetAndEhlo(NAME, ['PIPELINING']), ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, { s: '250 ok' }, ...quit],
    );
    const result = await runBench(options(server.port, 3));
    await server.done;
    expect(server.errors).toEqual([]);
    expect(result.messages).toEqual({ requested: 3, attempted: 3, sent: 1, failed: 2, notAttempted: 0 });
    expect(result.errors).toEqual({ ECONNECTION: 2 });
    expect(result.sessionsOpened).toBe(2);
  });

  it('a 421 ends the session: the message it answered and the one behind it fail, the rest go on a new session', async () => {
    server = await scriptedServer(
      [
        ...greetAndEhlo(NAME, ['PIPELINING']),
        ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true },
        ...envelope(), { s: '421 4.3.2 shutting down' }, { close: true },
      ],
      [...greetAndEhlo(NAME, ['PIPELINING']), ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, { s: '250 ok' }, ...quit],
    );
    const result = await runBench(options(server.port, 3));
    await server.done;
    expect(server.errors).toEqual([]);
    expect(result.messages).toMatchObject({ sent: 1, failed: 2 });
    expect(result.errors).toEqual({ ECONNECTION: 2 });
    expect(result.errorMessages.ECONNECTION).toContain('421 4.3.2');
  });

  it('without PIPELINING: one command at a time, no DATA after every recipient was refused, RSET before the next', async () => {
    server = await scriptedServer([
      ...greetAndEhlo(NAME, ['8BITMIME']),
      { c: MAIL }, { s: '250 ok' }, { c: RCPT }, { s: '250 ok' }, { c: 'DATA' }, { s: '354 go' }, { data: true }, { s: '250 ok' },
      { c: MAIL }, { s: '250 ok' }, { c: RCPT }, { s: '550 5.1.1 no such user' },
      { c: 'RSET' }, { s: '250 reset' }, { c: MAIL }, { s: '451 4.3.0 later' },
      { c: MAIL }, { s: '250 ok' }, { c: RCPT }, { s: '250 ok' }, { c: 'DATA' }, { s: '554 5.3.4 no' },
      { c: 'RSET' }, { s: '250 reset' }, { c: MAIL }, { s: '250 ok' }, { c: RCPT }, { s: '250 ok' }, { c: 'DATA' }, { s: '354 go' }, { data: true }, { s: '250 ok' },
      ...quit,
    ]);
    const result = await runBench(options(server.port, 5));
    await server.done;
    expect(server.errors).toEqual([]);
    expect(result.messages).toMatchObject({ sent: 2, failed: 3, attempted: 5 });
    expect(result.errors).toEqual({ EENVELOPE: 2, EMESSAGE: 1 });
  });

  it('PIPELINING + CHUNKING: MAIL, RCPT, BDAT LAST and the content in one write, two in flight', async () => {
    server = await scriptedServer([
      ...greetAndEhlo(NAME, ['PIPELINING', 'CHUNKING']),
      { c: MAIL }, { c: RCPT }, { c: /^BDAT \d+ LAST$/ }, { bdat: 600 },
      // The second is written before the first is answered, led by RSET (the first's outcome is still open).
      { c: 'RSET' }, { c: MAIL }, { c: RCPT }, { c: /^BDAT \d+ LAST$/ }, { bdat: 600 },
      { s: '250 ok' }, { s: '250 ok' }, { s: '250 ok' },
      { s: '250 reset' }, { s: '250 ok' }, { s: '550 5.1.1 no such user' }, { s: '554 5.5.1 no valid recipients' },
      ...quit,
    ]);
    const result = await runBench(options(server.port, 2));
    await server.done;
    expect(server.errors).toEqual([]);
    expect(result.messages).toMatchObject({ sent: 1, failed: 1 });
    expect(result.errors).toEqual({ EENVELOPE: 1 });
  });

  it('a silent server fails the session after the timeout (one timer per session)', async () => {
    server = await scriptedServer(
      [...greetAndEhlo(NAME, ['PIPELINING']), ...envelope(), { hang: true }],
      [...greetAndEhlo(NAME, ['PIPELINING']), ...envelope(), { s: '250 ok' }, { s: '250 ok' }, { s: '354 go' }, { data: true }, { s: '250 ok' }, ...quit],
    );
    const opts = options(server.port, 2);
    opts.target.timeoutMs = 300;
    const result = await runBench(opts);
    expect(result.messages).toMatchObject({ sent: 1, failed: 1 });
    expect(result.errors).toEqual({ ETIMEDOUT: 1 });
    expect(result.errorMessages.ETIMEDOUT).toContain('No reply from the server within 300 ms');
    expect(result.sessionsOpened).toBe(2);
  });
});
