/**
 * A small SMTP server on 127.0.0.1 whose behaviour each audit test sets: correct by default, and with a
 * switch for each fault the audit looks for (a lenient end of data, STARTTLS injection, AUTH in the clear,
 * legacy TLS, SIZE not enforced, broken PIPELINING or CHUNKING, VRFY/EXPN, an open relay, a chatty
 * banner). It is written for these tests only; the real servers are in test/interop/audit.test.ts.
 */
import net from 'node:net';
import tls from 'node:tls';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../src/sink/test-certificate.js';

export interface FakeBehaviour {
  banner?: string;
  /** 'strict' (default): only CRLF.CRLF ends the data; 'lenient-lf': LF ends lines (like Postfix with
   * smtpd_forbid_bare_newline = no); 'lenient-cr': a lone CR or LF ends lines; 'reject-bare': a bare CR
   * or LF in the data is answered 521 and the session ends. */
  endOfData?: 'strict' | 'lenient-lf' | 'lenient-cr' | 'reject-bare';
  starttls?: boolean;
  /** Offer STARTTLS, answer 220, then close instead of the handshake. */
  starttlsBroken?: boolean;
  /** Keep the plaintext after STARTTLS and run it inside TLS (CVE-2011-0411). */
  starttlsInjection?: boolean;
  authBeforeTls?: boolean;
  legacyTls?: boolean;
  size?: number;
  sizeEnforced?: boolean;
  pipelining?: boolean;
  /** Answer only the first command of each batch (broken PIPELINING). */
  pipeliningBroken?: boolean;
  chunking?: boolean;
  chunkingBroken?: boolean;
  vrfy?: boolean;
  expn?: boolean;
  /** Accept RCPT for any domain (default: only local.test). */
  openRelay?: boolean;
}

export interface FakeServer {
  port: number;
  /** Every message body the server took (DATA and BDAT). */
  messages: string[];
  connections: number;
  /** Most connections open at the same time. */
  peak: number;
  close(): Promise<void>;
}

export async function fakeServer(b: FakeBehaviour = {}): Promise<FakeServer> {
  const messages: string[] = [];
  const sockets = new Set<net.Socket>();
  const context = tls.createSecureContext({
    key: TEST_PRIVATE_KEY,
    cert: TEST_CERTIFICATE,
    ...(b.legacyTls ? { minVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' } : { minVersion: 'TLSv1.2' as const }),
  });
  const state = { connections: 0, peak: 0 };
  const server = net.createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    state.peak = Math.max(state.peak, sockets.size);
    // A socket counts as gone once the client has closed its side.
    socket.on('end', () => sockets.delete(socket));
    socket.on('gone', () => sockets.delete(socket));
    socket.on('close', () => sockets.delete(socket));
    session(socket, b, context, messages);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    messages,
    get connections() {
      return state.connections;
    },
    get peak() {
      return state.peak;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function session(initial: net.Socket, b: FakeBehaviour, context: tls.SecureContext, messages: string[]): void {
  let socket: net.Socket = initial;
  let buffer = '';
  let mode: 'cmd' | 'data' | 'bdat' = 'cmd';
  let bdatLeft = 0;
  let bdatLast = false;
  let body = '';
  let secure = false;
  let mail = false;
  let rcpts = 0;
  let paused = false;
  const say = (line: string): void => {
    if (!socket.destroyed) socket.write(`${line}\r\n`);
  };
  const offered = (): string[] => [
    ...(b.pipelining !== false ? ['PIPELINING'] : []),
    ...(b.size !== undefined ? [`SIZE ${b.size}`] : []),
    '8BITMIME',
    'SMTPUTF8',
    'DSN',
    ...(b.chunking ? ['CHUNKING'] : []),
    ...(b.starttls !== false && !secure ? ['STARTTLS'] : []),
    ...(b.authBeforeTls || secure ? ['AUTH PLAIN LOGIN'] : []),
  ];

  const command = (line: string): void => {
    const verb = line.split(' ')[0]?.toUpperCase() ?? '';
    const arg = line.slice(verb.length).trim();
    switch (verb) {
      case 'EHLO': {
        const lines = ['fake.localhost', ...offered()];
        lines.forEach((l, i) => say(`250${i === lines.length - 1 ? ' ' : '-'}${l}`));
        return;
      }
      case 'STARTTLS': {
        say('220 2.0.0 go ahead');
        if (b.starttlsBroken) {
          socket.end();
          return;
        }
        const rest = b.starttlsInjection ? buffer : '';
        buffer = '';
        paused = true;
        const plain = socket;
        plain.removeAllListeners('data');
        const tlsSocket = new tls.TLSSocket(plain, { isServer: true, secureContext: context });
        // After the upgrade the plain socket no longer sees the client's FIN: the TLS socket does.
        tlsSocket.on('end', () => plain.emit('gone'));
        tlsSocket.on('close', () => plain.emit('gone'));
        tlsSocket.on('error', () => plain.destroy());
        tlsSocket.once('secure', () => {
          secure = true;
          socket = tlsSocket;
          tlsSocket.on('data', onData);
          paused = false;
          buffer = rest + buffer;
          pump();
        });
        return;
      }
      case 'MAIL': {
        const size = /SIZE=(\d+)/i.exec(arg);
        if (b.size !== undefined && b.sizeEnforced !== false && size && Number(size[1]) > b.size) return say('552 5.3.4 message too big');
        mail = true;
        return say('250 2.1.0 ok');
      }
      case 'RCPT': {
        if (!mail) return say('503 5.5.1 MAIL first');
        if (!b.openRelay && !/@local\.test>/i.test(arg)) return say('554 5.7.1 relay access denied');
        rcpts += 1;
        return say('250 2.1.5 ok');
      }
      case 'DATA':
        if (rcpts === 0) return say('554 5.5.1 no valid recipients');
        mode = 'data';
        body = '';
        return say('354 end with <CRLF>.<CRLF>');
      case 'BDAT': {
        if (b.chunkingBroken || !b.chunking) return say('502 5.5.1 not implemented');
        const m = /^(\d+)( LAST)?$/i.exec(arg);
        if (!m) return say('501 5.5.4 syntax');
        mode = 'bdat';
        bdatLeft = Number(m[1]);
        bdatLast = m[2] !== undefined;
        return;
      }
      case 'AUTH':
        return say(/^PLAIN \S+/i.test(arg) ? '235 2.7.0 ok' : '504 5.5.4 PLAIN with an initial response only');
      case 'RSET':
        mail = false;
        rcpts = 0;
        return say('250 2.0.0 ok');
      case 'NOOP':
        return say('250 2.0.0 ok');
      case 'VRFY':
        return say(b.vrfy ? '250 2.1.5 <postmaster@local.test>' : '252 2.0.0 cannot verify');
      case 'EXPN':
        return say(b.expn ? '250 2.1.5 <root@local.test>' : '502 5.5.1 EXPN not available');
      case 'QUIT':
        say('221 2.0.0 bye');
        socket.end();
        return;
      default:
        return say('502 5.5.2 unknown command');
    }
  };

  const endOfMessage = (): void => {
    messages.push(body);
    mode = 'cmd';
    mail = false;
    rcpts = 0;
    say('250 2.0.0 queued');
  };

  /** Index just past the end-of-data mark in `buffer` and the body before it, or undefined. */
  const findEnd = (): { body: string; next: number } | undefined => {
    const text = `\r\n${buffer}`; // the DATA line's CRLF precedes the data
    const rule = b.endOfData ?? 'strict';
    const pattern = rule === 'lenient-lf' ? /\n\.\r?\n/ : rule === 'lenient-cr' ? /[\r\n]\.(?:\r\n|\r|\n)/ : /\r\n\.\r\n/;
    const m = pattern.exec(text);
    if (!m) return undefined;
    return { body: text.slice(2, Math.max(2, m.index)), next: m.index + m[0].length - 2 };
  };

  const pump = (): void => {
    while (!paused && !socket.destroyed) {
      if (mode === 'cmd') {
        const lf = b.endOfData === 'lenient-lf' ? buffer.indexOf('\n') : buffer.indexOf('\r\n');
        if (lf === -1) return;
        const line = buffer.slice(0, lf).replace(/\r$/, '');
        buffer = buffer.slice(lf + (buffer[lf] === '\n' ? 1 : 2));
        if (b.pipeliningBroken && buffer.length > 0 && /^(MAIL|RCPT|RSET|NOOP)/i.test(line)) {
          buffer = ''; // a server that reads one command per packet
        }
        command(line);
      } else if (mode === 'data') {
        if (b.endOfData === 'reject-bare' && /\r(?!\n)|(?<!\r)\n/.test(buffer.replace(/\r$/, ''))) {
          say('521 5.5.2 bare <CR> or <LF> received');
          socket.end();
          return;
        }
        const end = findEnd();
        if (!end) return;
        body = end.body;
        buffer = buffer.slice(end.next);
        endOfMessage();
      } else {
        if (buffer.length < bdatLeft) return;
        body += buffer.slice(0, bdatLeft);
        buffer = buffer.slice(bdatLeft);
        if (bdatLast) endOfMessage();
        else {
          mode = 'cmd';
          say('250 2.0.0 chunk ok');
        }
      }
    }
  };

  function onData(chunk: Buffer): void {
    buffer += chunk.toString('latin1');
    pump();
  }
  socket.on('data', onData);
  socket.on('error', () => undefined);
  say(b.banner ?? '220 fake.localhost ESMTP');
}
