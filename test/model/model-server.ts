/**
 * The loopback SMTP server of the model-based test: a correct pipelining server with AUTH PLAIN whose
 * behaviour (`fault`, `delayMs`) can be changed at any moment, also while a session is running: every step
 * of every session reads the current behaviour, so a change lands mid-transaction too. It can also stop
 * (listener closed and every socket destroyed: connections are refused) and listen again on the same port.
 *
 * It records what it really got, by Message-ID: `seen` when the final dot arrived, `kept` when it committed
 * the message (the 250 to the dot is decided then, or the server died right after committing). A message it
 * answered 421 at the dot, or reset the connection on without committing, is seen but not kept.
 */
import net from 'node:net';
import { once } from 'node:events';

export type Phase = 'greeting' | 'ehlo' | 'auth' | 'mail' | 'rcpt' | 'data' | 'dot';

export type Fault =
  | { kind: 'ok' }
  | { kind: 'accept-close' } // accept the TCP connection, then close it at once
  | { kind: '421'; at: Phase } // answer 421 at this phase, then close (as 421 means)
  | { kind: 'hang'; at: Phase } // never answer at this phase (the socket stays open)
  | { kind: 'reset-before-dot' } // RST instead of 354: the client cannot have sent the dot
  | { kind: 'reset-at-dot' } // the whole message arrived, RST before committing it
  | { kind: 'reset-after-dot' } // committed, then RST before the 250 left
  | { kind: 'bad-password' }; // every AUTH is answered 535

/** What EHLO offers: DATA with PIPELINING, BDAT (CHUNKING) with PIPELINING, or one command at a time. */
export type Extensions = 'pipelining' | 'chunking' | 'lockstep';

export interface Behaviour {
  fault: Fault;
  /** Every reply waits this long (slow server); may exceed the client's timeouts. */
  delayMs: number;
}

export interface Received {
  seen: number;
  kept: number;
}

export const PASSWORD = 'model-pass-Secret7';
export const USER = 'model-user';

/** How a transport reaches a model server on `port`: loopback, plaintext, its one account. */
export function modelTarget(port: number): { host: string; port: number; security: 'none'; auth: { user: string; pass: string } } {
  return { host: '127.0.0.1', port, security: 'none', auth: { user: USER, pass: PASSWORD } };
}

export class ModelServer {
  behaviour: Behaviour = { fault: { kind: 'ok' }, delayMs: 0 };
  extensions: Extensions = 'pipelining';
  readonly received = new Map<string, Received>();
  /** A short log of what happened, for the failure report. */
  readonly log: string[] = [];
  port = 0;
  /**
   * Connections open at once, as this server sees them: from accept until the client's FIN or the server's
   * own end of the session (after 221 to QUIT, 421, a reset). A session that got QUIT still counts until
   * then: providers limit connections, not sessions that said goodbye. `peak` is the most at any moment (a pool must stay within maxConnections).
   */
  live = 0;
  peak = 0;
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #gone = new WeakMap<net.Socket, () => void>();

  get up(): boolean {
    return this.#server !== undefined;
  }

  /** Listens (on the same port as before, after a stop). */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((socket) => this.#session(socket));
    server.on('error', () => undefined);
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
    this.log.push('start');
  }

  /** Closes the listener and destroys every session: new connections are refused. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.log.push('stop');
    for (const s of this.#sockets) s.destroy();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  set(behaviour: Behaviour): void {
    this.behaviour = behaviour;
    this.log.push(`behaviour ${JSON.stringify(behaviour)}`);
  }

  #record(id: string, field: keyof Received): void {
    const r = this.received.get(id) ?? { seen: 0, kept: 0 };
    r[field] += 1;
    this.received.set(id, r);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.add(t);
    });
  }

  /** The whole message arrived (final dot, or BDAT LAST): commit it or not; false when the session ends. */
  async #endOfMessage(
    body: Buffer,
    socket: net.Socket,
    faultAt: (kind: '421' | 'hang', phase: Phase) => boolean,
    reply: (text: string) => Promise<void>,
  ): Promise<boolean> {
    const id = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(body.toString('latin1', 0, Math.min(body.length, 4096)))?.[1] ?? '<none>';
    this.#record(id, 'seen');
    const kind = this.behaviour.fault.kind;
    if (kind === 'reset-at-dot') {
      this.log.push(`reset at dot of ${id}`);
      this.#reset(socket);
      return false;
    }
    if (faultAt('421', 'dot')) {
      this.log.push(`421 at dot of ${id}`);
      await reply('421 4.3.2 Service shutting down');
      socket.end();
      return false;
    }
    // Committed: from here on the message is the server's, whatever happens to the reply.
    this.#record(id, 'kept');
    if (kind === 'reset-after-dot') {
      this.log.push(`reset after dot of ${id}`);
      this.#reset(socket);
      return false;
    }
    if (faultAt('hang', 'dot')) {
      this.log.push(`hang after committing ${id}`);
      return false;
    }
    await reply('250 2.0.0 Ok: queued');
    return true;
  }

  /** A crash: the session is over for the server at once (it counts no more), and the client gets a RST. */
  #reset(socket: net.Socket): void {
    this.#gone.get(socket)?.();
    socket.resetAndDestroy();
  }

  #session(socket: net.Socket): void {
    this.#sockets.add(socket);
    this.live += 1;
    this.peak = Math.max(this.peak, this.live);
    let counted = true;
    const gone = (): void => {
      if (counted) this.live -= 1;
      counted = false;
    };
    socket.on('end', gone);
    socket.on('finish', gone); // the server ended it (421, accept-close, QUIT)
    socket.on('close', () => {
      gone();
      this.#sockets.delete(socket);
    });
    this.#gone.set(socket, gone);
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    this.#converse(socket).catch(() => socket.destroy());
  }

  async #converse(socket: net.Socket): Promise<void> {
    let input: Buffer = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    let ended = false;
    socket.on('data', (chunk: Buffer) => {
      input = input.length === 0 ? chunk : Buffer.concat([input, chunk]);
      wake?.();
    });
    socket.on('close', () => {
      ended = true;
      wake?.();
    });
    /** The first `length()` bytes once there are enough (length() < 0: not yet), or undefined once the client has gone. */
    const read = async (length: () => number): Promise<Buffer | undefined> => {
      for (;;) {
        const n = length();
        if (n >= 0 && input.length >= n) {
          const out = input.subarray(0, n);
          input = input.subarray(n);
          return out;
        }
        if (ended) return undefined;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    };
    /** Bytes up to and including `marker`. */
    const readUntil = (marker: string): Promise<Buffer | undefined> =>
      read(() => {
        const at = input.indexOf(marker);
        return at < 0 ? -1 : at + marker.length;
      });
    const readBytes = (size: number): Promise<Buffer | undefined> => read(() => size);
    let chunks: Buffer[] = [];
    const fault = (): Fault => this.behaviour.fault;
    const faultAt = (kind: '421' | 'hang', phase: Phase): boolean => {
      const f = fault();
      return f.kind === kind && f.at === phase;
    };
    const reply = async (text: string): Promise<void> => {
      const delay = this.behaviour.delayMs;
      if (delay > 0) await this.#sleep(delay);
      if (!socket.destroyed) socket.write(`${text}\r\n`);
    };
    /** Applies a 421/hang planned at this phase; true when the session ends here. */
    const interrupts = async (phase: Phase): Promise<boolean> => {
      if (faultAt('hang', phase)) {
        this.log.push(`hang at ${phase}`);
        return true; // keep the socket: the client's timeout must end it
      }
      if (faultAt('421', phase)) {
        this.log.push(`421 at ${phase}`);
        await reply('421 4.3.2 Service shutting down');
        socket.end();
        return true;
      }
      return false;
    };

    if (fault().kind === 'accept-close') {
      socket.end();
      return;
    }
    if (await interrupts('greeting')) return;
    await reply('220 model.test ESMTP');
    for (;;) {
      const raw = await readUntil('\r\n');
      if (raw === undefined || socket.destroyed) return;
      const line = raw.toString('latin1').slice(0, -2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') {
        if (await interrupts('ehlo')) return;
        const ext = this.extensions;
        const offered = [ext !== 'lockstep' ? 'PIPELINING' : '', ext === 'chunking' ? 'CHUNKING' : '', '8BITMIME', 'SIZE 10485760', 'AUTH PLAIN'];
        await reply(['model.test', ...offered.filter(Boolean)].map((l) => `250-${l}`).join('\r\n') + '\r\n250 ENHANCEDSTATUSCODES');
      } else if (verb === 'AUTH') {
        if (await interrupts('auth')) return;
        let response = line.split(' ')[2];
        if (response === undefined) {
          await reply('334 ');
          response = (await readUntil('\r\n'))?.toString('latin1').slice(0, -2);
          if (response === undefined) return;
        }
        const [, user, pass] = Buffer.from(response, 'base64').toString('utf8').split('\0');
        const good = fault().kind !== 'bad-password' && user === USER && pass === PASSWORD;
        await reply(good ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
      } else if (verb === 'MAIL') {
        if (await interrupts('mail')) return;
        await reply('250 2.1.0 Ok');
      } else if (verb === 'RCPT') {
        if (await interrupts('rcpt')) return;
        await reply('250 2.1.5 Ok');
      } else if (verb === 'DATA' || verb === 'BDAT') {
        // BDAT: the first chunk stands where DATA would (a reset or 421 there comes before any body byte).
        const bdat = /^BDAT (\d+)( LAST)?$/i.exec(line);
        if (verb === 'BDAT' && !bdat) {
          await reply('501 5.5.4 Syntax: BDAT <size> [LAST]');
          continue;
        }
        if (chunks.length === 0) {
          if (fault().kind === 'reset-before-dot') {
            this.log.push('reset before dot');
      this.#reset(socket);
            return;
          }
          if (await interrupts('data')) return;
        }
        let body: Buffer | undefined;
        if (bdat) {
          const size = Number(bdat[1]);
          const chunk = await readBytes(size);
          if (chunk === undefined) return;
          chunks.push(chunk);
          if (bdat[2] === undefined) {
            await reply(`250 2.0.0 ${size} octets received`);
            continue;
          }
          body = Buffer.concat(chunks);
        } else {
          await reply('354 End data with <CR><LF>.<CR><LF>');
          body = await readUntil('\r\n.\r\n');
          if (body === undefined) return;
        }
        chunks = [];
        if (!(await this.#endOfMessage(body, socket, faultAt, reply))) return;
      } else if (verb === 'RSET' || verb === 'NOOP') {
        chunks = [];
        await reply('250 2.0.0 Ok');
      } else if (verb === 'QUIT') {
        await reply('221 2.0.0 Bye');
        socket.end();
        return;
      } else {
        await reply('502 5.5.1 Command not implemented');
      }
    }
  }
}
