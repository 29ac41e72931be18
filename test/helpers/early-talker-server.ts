/**
 * An SMTP server (127.0.0.1) that refuses commands pipelined behind the end of a message.
 *
 * It answers the end of data (the dot, or BDAT LAST) a moment later, as a server does that queues the message
 * first, and every command that arrives before that answer is written gets
 * "503 5.5.1 Bad sequence of commands - pipelined after end of DATA" (a BDAT's bytes are read and dropped).
 * RFC 2920 allows those commands, but servers that treat them as an early talker exist, and a client has to
 * get its mail through them. Everything else is a plain, permissive server: it records each message it took.
 */
import net from 'node:net';

export interface EarlyTalkerServer {
  port: number;
  /** Every message the server accepted (250 to its end), as received. */
  messages: Buffer[];
  /** Commands refused because they arrived before the answer to an end of data. */
  refusedCommands: number;
  /** Connections opened, and the most open at once. */
  connections: number;
  maxConcurrent: number;
  close(): Promise<void>;
}

export interface EarlyTalkerOptions {
  chunking?: boolean;
  /** How long the answer to an end of data waits (the window in which pipelined commands are refused). */
  answerDelayMs?: number;
  /**
   * Refuse the first early command with "554 5.5.0 Error: SMTP protocol synchronization" and hang up, as
   * Postfix 3.9 (smtpd_forbid_unauth_pipelining) and Exim (smtp_enforce_sync) do at their lock-step points.
   */
  hangUp?: boolean;
}

const REFUSAL = '503 5.5.1 Bad sequence of commands - pipelined after end of DATA';

export async function earlyTalkerServer(options: EarlyTalkerOptions = {}): Promise<EarlyTalkerServer> {
  const state: EarlyTalkerServer = { port: 0, messages: [], refusedCommands: 0, connections: 0, maxConcurrent: 0, close: async () => undefined };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    state.connections += 1;
    state.maxConcurrent = Math.max(state.maxConcurrent, sockets.size);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    session(socket, state, options);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

function session(socket: net.Socket, state: EarlyTalkerServer, options: EarlyTalkerOptions): void {
  // Replies leave in command order; the answer to an end of data is a slot filled later.
  const out: Array<string | undefined> = [];
  const flush = (): void => {
    while (out.length > 0 && out[0] !== undefined) socket.write(`${out.shift() as string}\r\n`);
    if (closing && out.length === 0) socket.end();
  };
  const reply = (line: string): void => {
    out.push(line);
    flush();
  };
  let input = Buffer.alloc(0);
  let mode: { kind: 'command' } | { kind: 'data' } | { kind: 'bdat'; left: number; last: boolean; refused: boolean } = { kind: 'command' };
  let inMail = false;
  let rcpts = 0;
  let body: Buffer[] = [];
  /** Set from the end of a message until its answer is written: commands arriving now are refused. */
  let answering = false;
  /** hangUp: the connection ends once the replies queued so far are out. */
  let closing = false;

  const endOfMessage = (): void => {
    const message = Buffer.concat(body);
    body = [];
    inMail = false;
    rcpts = 0;
    answering = true;
    const slot = out.push(undefined) - 1;
    setTimeout(() => {
      state.messages.push(message);
      out[slot] = '250 2.0.0 Ok: queued';
      answering = false;
      flush();
    }, options.answerDelayMs ?? 2);
  };

  const command = (line: string): void => {
    const verb = line.split(' ')[0]?.toUpperCase() ?? '';
    const bdat = /^BDAT (\d+)( LAST)?$/i.exec(line);
    if (answering && options.hangUp) {
      state.refusedCommands += 1;
      mode = { kind: 'command' };
      reply('554 5.5.0 Error: SMTP protocol synchronization');
      closing = true;
      return;
    }
    if (answering) {
      state.refusedCommands += 1;
      if (bdat) mode = { kind: 'bdat', left: Number(bdat[1]), last: bdat[2] !== undefined, refused: true };
      reply(REFUSAL);
      return;
    }
    if (verb === 'EHLO') {
      reply(`250-localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 52428800${options.chunking ? '\r\n250-CHUNKING' : ''}\r\n250 ENHANCEDSTATUSCODES`);
    } else if (verb === 'MAIL') {
      if (inMail) return reply('503 5.5.1 Error: nested MAIL command');
      inMail = true;
      reply('250 2.1.0 Ok');
    } else if (verb === 'RCPT') {
      if (!inMail) return reply('503 5.5.1 Error: need MAIL command');
      rcpts += 1;
      reply('250 2.1.5 Ok');
    } else if (verb === 'DATA') {
      if (!inMail || rcpts === 0) return reply('503 5.5.1 Error: need RCPT command');
      mode = { kind: 'data' };
      reply('354 End data with <CR><LF>.<CR><LF>');
    } else if (bdat) {
      const ok = inMail && rcpts > 0;
      mode = { kind: 'bdat', left: Number(bdat[1]), last: bdat[2] !== undefined, refused: !ok };
      if (!ok) reply('503 5.5.1 Error: need RCPT command');
    } else if (verb === 'RSET') {
      inMail = false;
      rcpts = 0;
      body = [];
      reply('250 2.0.0 Ok');
    } else if (verb === 'NOOP') {
      reply('250 2.0.0 Ok');
    } else if (verb === 'QUIT') {
      reply('221 2.0.0 Bye');
      socket.end();
    } else {
      reply('502 5.5.2 Error: command not recognized');
    }
  };

  const pump = (): void => {
    for (;;) {
      if (closing) return; // the server reads nothing more
      if (mode.kind === 'bdat') {
        const take = Math.min(mode.left, input.length);
        if (!mode.refused) body.push(Buffer.from(input.subarray(0, take)));
        input = input.subarray(take);
        mode.left -= take;
        if (mode.left > 0) return;
        const done = mode;
        mode = { kind: 'command' };
        if (done.refused) continue; // already answered
        if (done.last) endOfMessage();
        else reply('250 2.0.0 Ok: chunk');
        continue;
      }
      if (mode.kind === 'data') {
        const end = Buffer.concat([Buffer.from('\r\n'), input]).indexOf('\r\n.\r\n');
        if (end === -1) return;
        // The body (without the terminator), unstuffed enough for Message-ID counting.
        body.push(input.subarray(0, Math.max(0, end)));
        input = input.subarray(end + 3);
        mode = { kind: 'command' };
        endOfMessage();
        continue;
      }
      const eol = input.indexOf('\r\n');
      if (eol === -1) return;
      const line = input.subarray(0, eol).toString('latin1');
      input = input.subarray(eol + 2);
      command(line);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    input = Buffer.concat([input, chunk]);
    pump();
  });
  reply('220 localhost ESMTP early-talker test server');
}

/** The Message-ID header of each message, to count what arrived how many times. */
export function messageIds(messages: readonly Buffer[]): string[] {
  return messages.map((m) => /^Message-ID:\s*(<[^>]+>)/im.exec(m.toString('latin1'))?.[1] ?? '(none)');
}
