#!/usr/bin/env node
/**
 * DKIM cost: mailwire's signer against nodemailer's DKIM, in the same process, on the same messages.
 *
 *  - sign: one small message (2 KB, already composed) signed again and again; CPU µs per signature, for
 *    RSA-2048 (both libraries) and Ed25519 (mailwire only: nodemailer signs with RSA alone).
 *  - compose+sign: the compose bench's message (text + html + 100 KB attachment) composed to a Buffer and
 *    signed with RSA-2048; MB/s of signed message. nodemailer: MailComposer then its DKIM signer (a stream).
 *
 * Rounds alternate which library goes first; medians are reported.
 * Usage: node bench/dkim.mjs [--messages N] [--signs N] [--rounds R] [--json]     (after `npm run build`)
 * Import: const { runDkimBench } = await import('./dkim.mjs');
 */
import { generateKeyPairSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { loadBuiltOrSource } from './lib/mailwire.mjs';
import { pseudoRandom } from './lib/messages.mjs';
import { median } from './lib/report.mjs';

async function loadNodemailer() {
  const composer = await import('nodemailer/lib/mail-composer');
  const dkim = await import('nodemailer/lib/dkim');
  return { MailComposer: composer.default ?? composer, DKIM: dkim.default ?? dkim };
}

const paragraph = 'Hello there, this is a transactional message with a report attached. Grüße from mailwire!\n';
function richMessage(attachment, i) {
  return {
    from: 'Reports <reports@example.com>',
    to: ['Alice Example <alice@example.com>', 'bob@example.org'],
    subject: `Your monthly report #${i}`,
    text: paragraph.repeat(12),
    html: `<html><body>${'<p>Hello there, this is a <b>transactional</b> message.</p>\n'.repeat(20)}</body></html>`,
    attachments: [{ filename: 'report.pdf', content: attachment, contentType: 'application/pdf' }],
  };
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const parts = [];
    stream.on('data', (c) => parts.push(c));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(parts)));
  });
}

/** Wall and CPU time of `count` awaited calls. */
async function timed(count, fn) {
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) bytes += (await fn(i)).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, count, bytes };
}

export async function runDkimBench({ messages = 2000, signs = 2000, rounds = 3, attachmentBytes = 100 * 1024, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const mailwire = await loadBuiltOrSource('index.js');
  const { MailComposer, DKIM } = await loadNodemailer();
  const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const edKey = generateKeyPairSync('ed25519').privateKey;
  const rsaOurs = { domain: 'example.com', selector: 'rsa', privateKey: rsaPem };
  const edOurs = { domain: 'example.com', selector: 'ed', privateKey: edKey };
  const theirs = new DKIM({ domainName: 'example.com', keySelector: 'rsa', privateKey: rsaPem });
  const small = await mailwire.composeToBuffer({ from: 'a@example.com', to: 'b@example.org', subject: 'Small', text: 'x'.repeat(75).concat('\n').repeat(26) });
  const attachment = pseudoRandom(attachmentBytes, 0x2545f491);

  const composeBuffer = (i) =>
    new Promise((resolve, reject) => new MailComposer(richMessage(attachment, i)).compile().build((err, buf) => (err ? reject(err) : resolve(buf))));
  const cases = {
    'sign-rsa': { mailwire: () => mailwire.signDkim(small, rsaOurs), nodemailer: () => collect(theirs.sign(small)) },
    'sign-ed25519': { mailwire: () => mailwire.signDkim(small, edOurs) },
    'compose-sign-rsa': {
      mailwire: async (i) => mailwire.signDkim(await mailwire.composeToBuffer(richMessage(attachment, i)), rsaOurs),
      nodemailer: async (i) => collect(theirs.sign(await composeBuffer(i))),
    },
  };
  const counts = { 'sign-rsa': signs, 'sign-ed25519': signs, 'compose-sign-rsa': messages };

  // Warm-up, and a check that each produces a signed message.
  for (const [id, libs] of Object.entries(cases)) {
    for (const [lib, fn] of Object.entries(libs)) {
      const out = await fn(0);
      if (!out.toString('latin1', 0, 200).startsWith('DKIM-Signature:')) throw new Error(`${lib} ${id}: no DKIM-Signature on top`);
      for (let i = 0; i < 50; i++) await fn(i);
    }
  }

  const runs = Object.fromEntries(Object.entries(cases).map(([id, libs]) => [id, Object.fromEntries(Object.keys(libs).map((l) => [l, []]))]));
  for (let r = 0; r < rounds; r++) {
    for (const [id, libs] of Object.entries(cases)) {
      const order = Object.keys(libs);
      if (r % 2 === 1) order.reverse();
      for (const lib of order) {
        if (typeof globalThis.gc === 'function') globalThis.gc();
        const run = await timed(counts[id], libs[lib]);
        runs[id][lib].push(run);
        const us = (run.cpuMs * 1000) / run.count;
        log(`round ${r + 1}/${rounds} ${id.padEnd(16)} ${lib.padEnd(10)} ${us.toFixed(0).padStart(6)} µs CPU/msg ${((run.bytes / 1048576 / run.ms) * 1000).toFixed(1).padStart(7)} MB/s`);
      }
    }
  }
  const summary = (list) => ({ cpuUsPerMsg: median(list.map((x) => (x.cpuMs * 1000) / x.count)), mbPerSec: median(list.map((x) => (x.bytes / 1048576 / x.ms) * 1000)), runs: list });
  const result = { benchmark: 'dkim', node: process.version, messages, signs, rounds, attachmentBytes, cases: {} };
  for (const [id, libs] of Object.entries(runs)) result.cases[id] = Object.fromEntries(Object.entries(libs).map(([lib, list]) => [lib, summary(list)]));
  return result;
}

function parseArgs(argv) {
  const opts = { messages: 2000, signs: 2000, rounds: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--messages' || a === '--signs' || a === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      opts[a.slice(2)] = n;
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const result = await runDkimBench(opts);
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      for (const [id, libs] of Object.entries(result.cases)) {
        for (const [lib, s] of Object.entries(libs)) process.stdout.write(`${id.padEnd(16)} ${lib.padEnd(10)} ${s.cpuUsPerMsg.toFixed(0).padStart(6)} µs CPU/msg ${s.mbPerSec.toFixed(1).padStart(7)} MB/s\n`);
      }
    }
  } catch (err) {
    process.stderr.write(`dkim bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  }
}
