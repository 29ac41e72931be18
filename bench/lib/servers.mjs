/**
 * The servers the bench talks to, all on loopback:
 *  - the fast sink for throughput (scenarios 1, 2, 4): our own `smtp-sink` process (Postfix's C sink) on a
 *    free port when the binary exists, else mailwire's own sink with `discard`;
 *  - a PIPELINING + CHUNKING server for the round-trip counts (scenario 3): the interop Postfix when
 *    test/interop/servers-up.sh has started it, else mailwire's sink (which offers both).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadMailwire } from './mailwire.mjs';

const SMTP_SINK_PATHS = ['/usr/sbin/smtp-sink', '/usr/bin/smtp-sink', '/usr/local/sbin/smtp-sink'];
const SMTP_SOURCE_PATHS = ['/usr/sbin/smtp-source', '/usr/bin/smtp-source', '/usr/local/sbin/smtp-source'];

export function findBinary(candidates, name) {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export const smtpSinkBinary = () => findBinary(SMTP_SINK_PATHS, 'smtp-sink');
export const smtpSourceBinary = () => findBinary(SMTP_SOURCE_PATHS, 'smtp-source');

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something on host:port sends an SMTP greeting. */
async function waitForGreeting(port, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const done = (value) => {
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('220')));
      socket.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no SMTP greeting on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts Postfix's smtp-sink on a free loopback port. Flags: -a no AUTH (it would accept any credentials),
 * -C -F no XCLIENT/XFORWARD, -4 IPv4; PIPELINING and 8BITMIME stay on. smtp-sink does not offer CHUNKING.
 * As root it insists on dropping privileges (-u); the 'postfix' user exists wherever the package does.
 */
async function startSmtpSink(binary) {
  const port = await freePort();
  const args = ['-4', '-a', '-C', '-F', '-h', 'sink.bench.localhost'];
  if (process.getuid?.() === 0) args.push('-u', 'postfix');
  args.push(`127.0.0.1:${port}`, '1024');
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await Promise.race([waitForGreeting(port), exited.then((code) => Promise.reject(new Error(`smtp-sink exited (${code}): ${stderr.trim()}`)))]);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    kind: 'smtp-sink',
    description: `Postfix smtp-sink (${binary}) on 127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    capabilities: ['PIPELINING', '8BITMIME'],
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

async function startOwnSink({ chunking = true } = {}) {
  const { startSink } = await loadMailwire();
  const sink = await startSink({ discard: true, host: '127.0.0.1', port: 0, chunking, maxMessageBytes: 200 * 1024 * 1024, maxConnections: 5000, hostname: 'sink.bench.localhost' });
  return {
    kind: 'mailwire-sink',
    description: `mailwire sink (discard${chunking ? ', PIPELINING + CHUNKING' : ', PIPELINING, no CHUNKING'}) on ${sink.host}:${sink.port}`,
    host: sink.host,
    port: sink.port,
    capabilities: chunking ? ['PIPELINING', 'CHUNKING', '8BITMIME'] : ['PIPELINING', '8BITMIME'],
    close: () => sink.close(),
  };
}

/** The fast sink for throughput; `prefer` = 'smtp-sink' | 'ours' | undefined (auto). */
export async function startFastSink(prefer) {
  const binary = smtpSinkBinary();
  if (prefer !== 'ours' && binary) {
    try {
      return await startSmtpSink(binary);
    } catch (error) {
      if (prefer === 'smtp-sink') throw error;
      process.stderr.write(`bench: could not start smtp-sink (${error.message}); using mailwire's sink\n`);
    }
  } else if (prefer === 'smtp-sink') {
    throw new Error('smtp-sink was asked for but is not installed (Debian package "postfix")');
  }
  return startOwnSink();
}

/** The interop Postfix, when it is up and offers PIPELINING and CHUNKING; else undefined. */
async function interopPostfix() {
  const dir = process.env.MW_INTEROP_DIR ?? path.join(os.tmpdir(), 'mw-interop');
  const file = path.join(dir, 'servers.json');
  if (!existsSync(file)) return undefined;
  let info;
  try {
    info = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const host = info.host;
  const port = info.ports?.postfix;
  if (host !== '127.0.0.1' || typeof port !== 'number') return undefined;
  const caps = await ehloKeywords(port).catch(() => undefined);
  if (!caps || !caps.includes('PIPELINING') || !caps.includes('CHUNKING')) return undefined;
  return {
    kind: 'postfix',
    description: `Postfix (interop, ${file}) on ${host}:${port}`,
    host,
    port,
    capabilities: caps,
    close: async () => undefined,
  };
}

/** A PIPELINING + CHUNKING server for scenario 3; `prefer` = 'postfix' | 'ours' | undefined (auto). */
export async function startChunkingServer(prefer) {
  if (prefer !== 'ours') {
    const postfix = await interopPostfix();
    if (postfix) return postfix;
    if (prefer === 'postfix') throw new Error('the interop Postfix is not running (test/interop/servers-up.sh)');
  }
  return startOwnSink({ chunking: true });
}

/** A PIPELINING server without CHUNKING (scenario 3, the DATA path). */
export async function startPipeliningOnlyServer(fast) {
  if (fast.kind === 'smtp-sink') return { ...fast, close: async () => undefined };
  return startOwnSink({ chunking: false });
}

/** EHLO keywords of the server on 127.0.0.1:port (a tiny client: the probe must not depend on mailwire). */
export function ehloKeywords(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffer = '';
    let step = 0;
    socket.setTimeout(3000, () => {
      socket.destroy();
      reject(new Error('EHLO probe timed out'));
    });
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      const lines = buffer.split('\r\n');
      const complete = lines.findIndex((line) => /^\d{3} /.test(line));
      if (complete < 0) return;
      const reply = lines.slice(0, complete + 1);
      buffer = lines.slice(complete + 1).join('\r\n');
      if (step === 0) {
        step = 1;
        socket.write('EHLO bench.localhost\r\n');
      } else if (step === 1) {
        step = 2;
        socket.end('QUIT\r\n');
        resolve(reply.slice(1).map((line) => line.slice(4).split(' ')[0].toUpperCase()).filter(Boolean));
      }
    });
  });
}
