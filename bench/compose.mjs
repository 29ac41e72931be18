#!/usr/bin/env node
/**
 * Compose throughput: mailwire's composer against nodemailer's MailComposer, in the same process.
 *
 * Each message has a text part, an HTML part and a 100 KB binary attachment, so the work is what a
 * typical transactional mail with a PDF costs (headers, QP/7bit text, base64). Both composers build the
 * complete message into one Buffer. Rounds alternate which composer goes first so neither always gets the
 * warmer JIT / heap; we report medians over the rounds.
 *
 * Usage: node bench/compose.mjs [--messages N] [--rounds R] [--json]     (after `npm run build`)
 *        MAILWIRE_FROM_SRC=1 npx tsx bench/compose.mjs ...               (straight from src/)
 * Import: const { runComposeBench } = await import('./compose.mjs');
 */

import { pathToFileURL } from 'node:url';
import { loadBuiltOrSource } from './lib/mailwire.mjs';
import { pseudoRandom } from './lib/messages.mjs';
import { median } from './lib/report.mjs';

async function loadNodemailer() {
  const mod = await import('nodemailer/lib/mail-composer');
  return mod.default ?? mod;
}

function fixture(attachmentBytes) {
  const paragraph = 'Hello there, this is a transactional message with a report attached. Grüße from mailwire!\n';
  return {
    text: paragraph.repeat(12),
    html: `<html><body>${'<p>Hello there, this is a <b>transactional</b> message with a report attached.</p>\n'.repeat(20)}</body></html>`,
    attachment: pseudoRandom(attachmentBytes, 0x2545f491),
  };
}

function message(fx, i) {
  return {
    from: 'Reports <reports@example.com>',
    to: ['Alice Example <alice@example.com>', 'bob@example.org'],
    subject: `Your monthly report #${i}`,
    text: fx.text,
    html: fx.html,
    attachments: [{ filename: 'report.pdf', content: fx.attachment, contentType: 'application/pdf' }],
  };
}

async function timeRun(name, count, build) {
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const buf = await build(i);
    bytes += buf.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { name, seconds, bytes, messagesPerSec: count / seconds, mbPerSec: bytes / 1e6 / seconds };
}

/**
 * Runs the comparison. Returns medians per composer and the ratio mailwire / nodemailer (> 1 means
 * mailwire is faster). `log` receives one line per run (default: stderr).
 */
export async function runComposeBench({ messages = 10_000, rounds = 3, attachmentBytes = 100 * 1024, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const mailwire = await loadBuiltOrSource('index.js');
  const MailComposer = await loadNodemailer();
  const fx = fixture(attachmentBytes);

  const composers = {
    mailwire: (i) => mailwire.composeToBuffer(message(fx, i)),
    nodemailer: (i) =>
      new Promise((resolve, reject) => {
        new MailComposer(message(fx, i)).compile().build((err, buf) => (err ? reject(err) : resolve(buf)));
      }),
  };

  // Warm-up: a few messages each, and a sanity check that both produce a plausible message.
  for (const [name, build] of Object.entries(composers)) {
    const buf = await build(0);
    if (buf.length < attachmentBytes) throw new Error(`${name} produced a ${buf.length}-byte message`);
    for (let i = 0; i < 50; i++) await build(i);
  }

  const runs = { mailwire: [], nodemailer: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['mailwire', 'nodemailer'] : ['nodemailer', 'mailwire'];
    for (const name of order) {
      if (typeof globalThis.gc === 'function') globalThis.gc();
      const result = await timeRun(name, messages, composers[name]);
      runs[name].push(result);
      log(`round ${r + 1}/${rounds} ${name.padEnd(10)} ${result.messagesPerSec.toFixed(0).padStart(7)} msg/s ${result.mbPerSec.toFixed(1).padStart(7)} MB/s`);
    }
  }

  const summary = (list) => ({
    messagesPerSec: median(list.map((x) => x.messagesPerSec)),
    mbPerSec: median(list.map((x) => x.mbPerSec)),
    bytesPerMessage: Math.round(list[0].bytes / messages),
    runs: list.map(({ seconds, messagesPerSec, mbPerSec }) => ({ seconds, messagesPerSec, mbPerSec })),
  });
  const ours = summary(runs.mailwire);
  const theirs = summary(runs.nodemailer);
  return {
    benchmark: 'compose',
    messages,
    rounds,
    attachmentBytes,
    node: process.version,
    mailwire: ours,
    nodemailer: theirs,
    ratio: { messagesPerSec: ours.messagesPerSec / theirs.messagesPerSec, mbPerSec: ours.mbPerSec / theirs.mbPerSec },
  };
}

function parseArgs(argv) {
  const opts = { messages: 10_000, rounds: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--messages' || a === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      opts[a.slice(2)] = n;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node bench/compose.mjs [--messages N] [--rounds R] [--json]\n');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return opts;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const result = await runComposeBench({ messages: opts.messages, rounds: opts.rounds });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const row = (name, s) => `${name.padEnd(11)} ${s.messagesPerSec.toFixed(0).padStart(8)} msg/s ${s.mbPerSec.toFixed(1).padStart(8)} MB/s  (${s.bytesPerMessage} bytes/message)`;
      process.stdout.write(
        `compose: ${result.messages} messages x ${result.rounds} rounds, text + html + ${result.attachmentBytes / 1024} KB attachment (medians)\n` +
          `${row('mailwire', result.mailwire)}\n${row('nodemailer', result.nodemailer)}\n` +
          `ratio      ${result.ratio.messagesPerSec.toFixed(2)}x messages/s, ${result.ratio.mbPerSec.toFixed(2)}x MB/s (mailwire / nodemailer)\n`,
      );
    }
  } catch (err) {
    process.stderr.write(`compose bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
