/**
 * `npm run demo`: mailwire end to end on this machine, nothing to configure, nothing leaves loopback.
 *
 *   1. starts the capture sink on a free 127.0.0.1 port with STARTTLS (required) and AUTH
 *   2. sends a real HTML + text message with an attachment through it with createTransport, trusting the
 *      sink's bundled test certificate via tls.ca, and prints the redacted SMTP transcript
 *   3. prints where the sink saved the message (.eml)
 *   4. probes the sink (before/after TLS, certificate, timings)
 *   5. runs a short bench against it (MAILWIRE_DEMO_BENCH_SECONDS, default 5)
 *   6. stops the sink and exits 0
 */
import { mkdtemp, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createTransport } from '../transport/transport.js';
import type { TranscriptEntry } from '../connection/transcript.js';
import { startSink, TEST_CERTIFICATE } from '../sink/index.js';
import { runBench } from '../bench-engine/index.js';
import { runProbe } from './probe-run.js';
import { printProbe } from './probe.js';
import { printBench } from './bench.js';
import { progressBar } from './progress.js';
import { transcriptLine } from './send.js';
import { printError } from './format.js';
import { line } from './io.js';

const BENCH_FROM = 'bench@mailwire.test';
const out = process.stdout;

async function main(): Promise<void> {
  const seconds = benchSeconds();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwire-demo-'));
  // A throwaway password, so the transcript below can show that it never appears in it.
  const auth = { user: 'demo', pass: randomBytes(12).toString('base64url') };
  let saved: { path: string; size: number } | undefined;
  const sink = await startSink({
    port: 0,
    tls: true,
    requireTls: true,
    auth,
    dir,
    onMessage: (m) => {
      if (!m.path) return;
      // The bench sends thousands of messages: keep only the demo's own on disk.
      if (m.from === BENCH_FROM) void unlink(m.path).catch(() => {});
      else saved = { path: m.path, size: m.size };
    },
  });
  try {
    heading(`1. a local SMTP sink on ${sink.url} (STARTTLS required, AUTH PLAIN/LOGIN, bundled test certificate)`);

    heading('2. sending an HTML + text message with an attachment (transcript, secrets redacted)');
    const transport = createTransport({
      host: sink.host,
      port: sink.port,
      security: 'starttls',
      auth,
      tls: { ca: TEST_CERTIFICATE }, // trust exactly the sink's public test certificate, nothing else
      from: 'mailwire demo <demo@mailwire.test>',
      onTranscript: compactTranscript((text) => line(out, `   ${text}`)),
    });
    const info = await transport.send({
      to: 'You <you@example.test>',
      subject: 'Hello from mailwire ✉',
      text: 'Hello!\n\nThis message went through a real SMTP session: STARTTLS, AUTH, pipelined MAIL/RCPT, BDAT.\n',
      html: '<h1>Hello!</h1><p>This message went through a real SMTP session: <b>STARTTLS</b>, <b>AUTH</b>, pipelined MAIL/RCPT, BDAT.</p>',
      attachments: [{ filename: 'numbers.csv', content: 'n,square\n1,1\n2,4\n3,9\n' }],
    });
    await transport.close();
    line(out, `   -> accepted: ${info.accepted.join(', ')}, ${info.messageBytes} bytes, ${info.response}`);

    heading('3. the sink saved it as');
    line(out, saved ? `   ${saved.path} (${saved.size} bytes; open it in any mail client)` : '   (no file: unexpected)');

    heading('4. mailwire probe');
    printProbe(out, await runProbe({ host: sink.host, port: sink.port, security: 'starttls', timeoutMs: 5000, ca: TEST_CERTIFICATE }));

    heading(`5. mailwire bench: ${seconds} s, 4 connections, pipelining`);
    const bar = progressBar(process.stderr, { durationMs: seconds * 1000 });
    const result = await runBench(
      {
        target: { host: sink.host, port: sink.port, security: 'starttls', tls: { ca: TEST_CERTIFICATE }, auth },
        connections: 4,
        durationMs: seconds * 1000,
        size: 2048,
        recipients: 1,
        pipelining: true,
        workers: 1,
        from: BENCH_FROM,
        recipientDomain: 'example.test',
      },
      // The sink runs on this thread; the client gets its own so they do not share one event loop.
      { isolate: true, onProgress: (p) => bar.update(p.sent + p.failed, p.failed, p.elapsedMs) },
    );
    bar.finish();
    printBench(out, result);
    if (result.messages.failed > 0 || result.messages.sent === 0) throw new Error('the bench did not deliver every message');
  } finally {
    await sink.close();
  }
  heading('6. sink stopped. Next: mailwire --help (send, verify, probe, audit, bench, sink, worker)');
}

/** The transcript, with each multi-line reply (EHLO) shown on one line, joined by " | ", to keep it short. */
function compactTranscript(print: (text: string) => void): (entry: TranscriptEntry) => void {
  let continued: string[] = [];
  return (entry) => {
    if (entry.dir === 'S' && /^\d{3}-/.test(entry.line)) {
      continued.push(entry.line.slice(4));
      return;
    }
    if (entry.dir === 'S' && continued.length > 0) {
      print(`S: ${entry.line.slice(0, 3)} ${[...continued, entry.line.slice(4)].join(' | ')}`);
      continued = [];
      return;
    }
    print(transcriptLine(entry));
  };
}

function heading(text: string): void {
  line(out);
  line(out, text);
}

function benchSeconds(): number {
  const raw = process.env.MAILWIRE_DEMO_BENCH_SECONDS;
  const value = raw === undefined || raw === '' ? 5 : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : 5;
}

try {
  await main();
} catch (error) {
  printError(process.stderr, 'demo failed: ', error);
  process.exitCode = 1;
}
