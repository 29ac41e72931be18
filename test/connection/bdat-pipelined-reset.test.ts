/**
 * Pipelined BDAT transactions and RSET. A transaction written before the one ahead of it has its answer must
 * start with RSET while that answer is open: if every recipient of the one ahead is refused, its BDAT LAST
 * is refused too, and a server may keep the sender from its MAIL (the next MAIL would get "503 nested MAIL").
 * The server here behaves exactly that way and holds its replies until the test releases them, so the order
 * of events is fixed: A and B written, A answered, C written while B is still open, then B and C answered.
 */
import { Duplex, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SmtpConnection, sessionHooks } from '../../src/connection/smtp-connection.js';
import type { Connector } from '../../src/tls/connector.js';

/**
 * A server that remembers MAIL across a refused BDAT and answers only on release(). PIPELINING + CHUNKING
 * by default; without them it takes DATA.
 */
class HoldingServer extends Duplex {
  readonly commands: string[] = [];
  #pending = Buffer.alloc(0);
  #held: string[] = [];
  #hasMail = false;
  #validRcpts = 0;
  #inData = false;
  /** Answers RSET with 502 and keeps the transaction (a broken server). */
  refuseReset = false;
  readonly #extensions: string;

  constructor(extensions = ['PIPELINING', 'CHUNKING']) {
    super();
    this.#extensions = ['test.local', ...extensions].map((e, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${e}`).join('\r\n');
    setImmediate(() => this.push('220 test.local ESMTP\r\n'));
  }

  /** Sends the first `count` held replies (all of them without a count). */
  release(count = this.#held.length): void {
    const out = this.#held.splice(0, count);
    if (out.length > 0) this.push(`${out.join('\r\n')}\r\n`);
  }

  get heldCount(): number {
    return this.#held.length;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    this.#parse();
    callback();
  }

  #parse(): void {
    for (;;) {
      if (this.#inData) {
        const end = this.#pending.indexOf('\r\n.\r\n');
        if (end < 0) return;
        this.#pending = this.#pending.subarray(end + 5);
        this.#inData = false;
        this.commands.push('.');
        this.#held.push('250 2.0.0 queued');
        this.#hasMail = false;
        this.#validRcpts = 0;
        continue;
      }
      const eol = this.#pending.indexOf('\r\n');
      if (eol < 0) return;
      const line = this.#pending.subarray(0, eol).toString('latin1');
      const bdat = /^BDAT (\d+)( LAST)?$/i.exec(line);
      if (bdat) {
        const size = Number(bdat[1]);
        if (this.#pending.length < eol + 2 + size) return;
        const payload = this.#pending.subarray(eol + 2, eol + 2 + size).toString('latin1');
        this.#pending = this.#pending.subarray(eol + 2 + size);
        if (bdat[2] === undefined) {
          this.commands.push('BDAT-CHUNK');
          this.#held.push(payload.includes('REJECT-ME') ? '554 5.7.1 content rejected' : '250 2.0.0 chunk taken');
          continue;
        }
        this.commands.push('BDAT');
        if (payload.includes('REJECT-ME')) {
          this.#held.push('554 5.7.1 content rejected'); // the sender is kept here too
        } else if (this.#validRcpts === 0) {
          // Refused, and (like some servers) the sender from MAIL is kept.
          this.#held.push('554 5.5.1 no valid recipients');
        } else {
          this.#held.push('250 2.0.0 queued');
          this.#hasMail = false;
          this.#validRcpts = 0;
        }
        continue;
      }
      this.#pending = this.#pending.subarray(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      this.commands.push(verb);
      if (verb === 'EHLO') {
        this.push(`${this.#extensions}\r\n`); // session replies are not held
      } else if (verb === 'DATA') {
        this.#inData = true;
        this.#pending = Buffer.concat([Buffer.from('\r\n'), this.#pending]); // the terminator's leading CRLF
        this.#held.push('354 go ahead');
      } else if (verb === 'QUIT') {
        this.push('221 bye\r\n');
      } else if (verb === 'NOOP') {
        this.#held.push('250 2.0.0 ok');
      } else if (verb === 'RSET' && this.refuseReset) {
        this.#held.push('502 5.5.1 RSET refused');
      } else if (verb === 'RSET') {
        this.#hasMail = false;
        this.#validRcpts = 0;
        this.#held.push('250 2.0.0 reset');
      } else if (verb === 'MAIL') {
        if (this.#hasMail) this.#held.push('503 5.5.1 nested MAIL command');
        else {
          this.#hasMail = true;
          this.#held.push('250 2.1.0 ok');
        }
      } else if (verb === 'RCPT') {
        if (!this.#hasMail) this.#held.push('503 5.5.1 need MAIL');
        else if (line.includes('refused@')) this.#held.push('550 5.1.1 no such user');
        else {
          this.#validRcpts += 1;
          this.#held.push('250 2.1.5 ok');
        }
      } else {
        this.#held.push('502 5.5.2 not implemented');
      }
    }
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i += 1) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition not reached');
}

describe('pipelined BDAT and RSET', () => {
  it('a transaction written while the one ahead is still unanswered starts with RSET, even after an earlier one succeeded', async () => {
    const server = new HoldingServer();
    const connector: Connector = async () => ({ stream: server, encrypted: false, remoteAddress: '127.0.0.1' });
    const conn = new SmtpConnection({ host: '127.0.0.1', port: 2525, security: 'none', clientName: 'client.test', connector, timeouts: { commandMs: 5000, dataMs: 5000 } });
    await conn.open();

    const a = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: a\r\n\r\nA\r\n');
    const b = conn.send({ from: 'a@x.test', to: ['refused@x.test'] }, 'Subject: b\r\n\r\nB\r\n');
    const bOutcome = b.then(
      () => 'delivered',
      (error: { code?: string }) => error.code,
    );
    // A: MAIL, RCPT, BDAT. B (written before A's answer): RSET, MAIL, RCPT, BDAT.
    await until(() => server.heldCount === 7);
    server.release(3);
    await expect(a).resolves.toMatchObject({ accepted: ['ok@x.test'] });

    // B is still unanswered: C must not assume a clean server just because A succeeded.
    const c = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: c\r\n\r\nC\r\n');
    await until(() => server.commands.filter((v) => v === 'BDAT').length === 3);
    server.release();
    expect(await bOutcome).toBe('EENVELOPE');
    await expect(c).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    expect(server.commands.slice(1)).toEqual(['MAIL', 'RCPT', 'BDAT', 'RSET', 'MAIL', 'RCPT', 'BDAT', 'RSET', 'MAIL', 'RCPT', 'BDAT']);

    // C was the last one written and it succeeded: the next transaction needs no RSET.
    const d = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: d\r\n\r\nD\r\n');
    await until(() => server.heldCount === 3);
    server.release();
    await expect(d).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    expect(server.commands.slice(-4)).toEqual(['BDAT', 'MAIL', 'RCPT', 'BDAT']);
    await conn.quit();
  });

  it('a streamed BDAT leaves the next transaction an RSET until its last chunk is answered', async () => {
    const server = new HoldingServer();
    const connector: Connector = async () => ({ stream: server, encrypted: false, remoteAddress: '127.0.0.1' });
    const conn = new SmtpConnection({ host: '127.0.0.1', port: 2525, security: 'none', clientName: 'client.test', connector, timeouts: { commandMs: 5000, dataMs: 5000 } });
    await conn.open();

    // A stream body: the envelope is answered first, then the body goes as BDAT ... LAST.
    const b = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, Readable.from([Buffer.from('Subject: b\r\n\r\nREJECT-ME\r\n')]));
    const bOutcome = b.then(
      () => 'delivered',
      (error: { code?: string }) => error.code,
    );
    await until(() => server.heldCount === 2);
    server.release(2);
    await until(() => server.commands.includes('BDAT'));
    // B's last chunk is written and unanswered; C starts now.
    const c = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: c\r\n\r\nC\r\n');
    // C is in memory, so its RSET rides in the same flight as its MAIL, RCPT and BDAT.
    await until(() => server.commands.filter((v) => v === 'BDAT').length === 2);
    server.release();
    expect(await bOutcome).toBe('EMESSAGE');
    await expect(c).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    expect(server.commands.slice(1)).toEqual(['MAIL', 'RCPT', 'BDAT', 'RSET', 'MAIL', 'RCPT', 'BDAT']);
    await conn.quit();
  });

  it('a streamed transaction behind another streamed BDAT sends its RSET in the envelope flight, without a round trip of its own', async () => {
    const { server, conn } = await open();
    const stream = (text: string) => Readable.from([Buffer.from(`Subject: ${text}\r\n\r\n${text}\r\n`)]);
    const b = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, stream('b'));
    await until(() => server.heldCount === 2);
    server.release(2);
    await until(() => server.commands.includes('BDAT'));
    const c = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, stream('c'));
    // Nothing answered since B's BDAT, yet C's RSET, MAIL and RCPT are all there.
    await until(() => server.commands.length === 7);
    expect(server.commands.slice(1)).toEqual(['MAIL', 'RCPT', 'BDAT', 'RSET', 'MAIL', 'RCPT']);
    server.release();
    await expect(b).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    await until(() => server.heldCount === 1);
    server.release();
    await expect(c).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    await conn.quit();
  });

  it("a successful RSET from the pool (SmtpConnection.rset) spares the next transaction the runner's own", async () => {
    const { server, conn } = await openAfterRefusal();
    expect(sessionHooks(conn).needsReset).toBe(true);
    const reset = conn.rset();
    await until(() => server.heldCount === 1);
    server.release();
    await reset;
    expect(sessionHooks(conn).needsReset).toBe(false);
    const next = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: n\r\n\r\nN\r\n');
    await until(() => server.heldCount === 3);
    server.release();
    await expect(next).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    expect(server.commands.slice(1)).toEqual(['MAIL', 'RCPT', 'BDAT', 'RSET', 'MAIL', 'RCPT', 'BDAT']);
    await conn.quit();
  });
});

describe('a server without PIPELINING', () => {
  it('gets the next transaction only after the last reply of the one before, even when both are sent at once', async () => {
    const { server, conn } = await open([]);
    const a = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: a\r\n\r\nA\r\n');
    const b = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: b\r\n\r\nB\r\n');
    // One command at a time: MAIL, RCPT, DATA, then the body and its dot.
    for (const expected of ['MAIL', 'RCPT', 'DATA', '.']) {
      await until(() => server.heldCount === 1);
      expect(server.commands.at(-1)).toBe(expected);
      if (expected !== '.') server.release();
    }
    // A's dot is unanswered: B's MAIL must wait for it.
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(server.commands.slice(1)).toEqual(['MAIL', 'RCPT', 'DATA', '.']);
    server.release();
    await expect(a).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    for (const expected of ['MAIL', 'RCPT', 'DATA', '.']) {
      await until(() => server.heldCount === 1);
      expect(server.commands.at(-1)).toBe(expected);
      server.release();
    }
    await expect(b).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    await conn.quit();
  });
});

async function open(extensions?: string[]): Promise<{ server: HoldingServer; conn: SmtpConnection }> {
  const server = new HoldingServer(extensions);
  const connector: Connector = async () => ({ stream: server, encrypted: false, remoteAddress: '127.0.0.1' });
  const conn = new SmtpConnection({ host: '127.0.0.1', port: 2525, security: 'none', clientName: 'client.test', connector, timeouts: { commandMs: 5000, dataMs: 5000 } });
  await conn.open();
  return { server, conn };
}

describe('BDAT chunks to a server with CHUNKING but without PIPELINING', () => {
  const big = (marker = '') => {
    const line = `${'x'.repeat(98)}\r\n`;
    const part = Buffer.from(line.repeat(2000)); // 200,000 bytes
    return Readable.from([Buffer.from(`Subject: big\r\n\r\n${marker}\r\n`), part, part, part]);
  };

  it('sends each chunk only after the reply to the one before', async () => {
    const { server, conn } = await open(['CHUNKING']);
    const sending = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, big());
    for (const expected of ['MAIL', 'RCPT', 'BDAT-CHUNK']) {
      await until(() => server.heldCount === 1);
      expect(server.commands.at(-1)).toBe(expected);
      if (expected !== 'BDAT-CHUNK') server.release();
    }
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(server.commands.slice(1)).toEqual(['MAIL', 'RCPT', 'BDAT-CHUNK']); // the rest waits for the reply
    server.release();
    await until(() => server.heldCount === 1);
    expect(server.commands.at(-1)).toBe('BDAT');
    server.release();
    await expect(sending).resolves.toMatchObject({ accepted: ['ok@x.test'], method: 'BDAT' });
  });

  it('stops at a refused chunk: no further chunk is sent and the failure says nothing was delivered', async () => {
    const { server, conn } = await open(['CHUNKING']);
    const sending = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, big('REJECT-ME')).then(
      () => undefined,
      (error: unknown) => error,
    );
    for (let i = 0; i < 3; i += 1) {
      await until(() => server.heldCount === 1);
      server.release();
    }
    expect(await sending).toMatchObject({ code: 'EMESSAGE', replyCode: 554, delivery: 'none' });
    expect(server.commands.slice(1)).toEqual(['MAIL', 'RCPT', 'BDAT-CHUNK']);

    // Every chunk had its reply, so the session is in step and stays: the next message starts with RSET.
    const next = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: n\r\n\r\nN\r\n');
    for (let i = 0; i < 4; i += 1) {
      await until(() => server.heldCount === 1);
      server.release();
    }
    await expect(next).resolves.toMatchObject({ accepted: ['ok@x.test'] });
    expect(server.commands.slice(4)).toEqual(['RSET', 'MAIL', 'RCPT', 'BDAT']);
    await conn.quit();
  });
});

describe('reads pair with the commands they answer', () => {
  it('a NOOP and a send made in the same tick each get their own replies', async () => {
    const { server, conn } = await open();
    const noop = conn.noop();
    const sending = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: r\r\n\r\nREJECT-ME\r\n').then(
      () => 'delivered',
      (error: { code?: string }) => error.code,
    );
    await until(() => server.heldCount === 4);
    server.release();
    await expect(noop).resolves.toMatchObject({ code: 250 });
    expect(await sending).toBe('EMESSAGE');
    await conn.quit();
  });

  it('an abort signalled right after send() returns stops the message before a byte of it is written', async () => {
    const { server, conn } = await open();
    const controller = new AbortController();
    const sending = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, 'Subject: a\r\n\r\nA\r\n', { signal: controller.signal });
    controller.abort();
    await expect(sending).rejects.toMatchObject({ code: 'EABORT' });
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(server.commands.slice(1)).toEqual([]);
  });

  it('a refused RSET at the head of a pipelined group leaves the session marked for RSET', async () => {
    const { server, conn } = await openAfterRefusal();
    server.refuseReset = true;
    // A streamed body: its envelope group (RSET, MAIL, RCPT) is answered before any BDAT.
    const next = conn.send({ from: 'a@x.test', to: ['ok@x.test'] }, Readable.from([Buffer.from('Subject: n\r\n\r\nN\r\n')])).catch((e: { code?: string }) => e.code);
    await until(() => server.heldCount === 3);
    server.release();
    expect(await next).toBe('EENVELOPE'); // 503 nested MAIL: the server kept the refused message's sender
    expect(server.commands.slice(-3)).toEqual(['RSET', 'MAIL', 'RCPT']);
    expect(sessionHooks(conn).needsReset).toBe(true);
  });
});

/** A session whose last transaction had every recipient refused: the server may still hold its sender. */
async function openAfterRefusal(): Promise<{ server: HoldingServer; conn: SmtpConnection }> {
  const { server, conn } = await open();
  const refused = conn.send({ from: 'a@x.test', to: ['refused@x.test'] }, 'Subject: r\r\n\r\nR\r\n').catch((e: { code?: string }) => e.code);
  await until(() => server.heldCount === 3);
  server.release();
  expect(await refused).toBe('EENVELOPE');
  return { server, conn };
}
