/**
 * DKIM signatures checked by dkimpy (python3-dkim, installed by servers.d/dkim-up.sh), not by our code:
 * every canonicalization pair with both algorithms on one message (dual signing), 8-bit and encoded
 * headers, dot-leading lines, a body without a final newline, empty bodies, a 25 MB streamed attachment,
 * and messages as real Postfix stored them (after its trace headers). Each kind also has a tampered copy
 * that must FAIL: proof that the verifier can say no.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { composeToBuffer, signDkim, startSink, type DkimOptions } from '../../src/index.js';
import { createTransport } from '../../src/transport/transport.js';
import { dkimpyVerify, type Verdict } from '../dkim/dkimpy.js';
import { ed25519Key, rsaKey } from '../dkim/keys.js';
import { removeMessages, requireServers, uniqueToken, waitForPostfix, type PostfixDelivery } from './harness.js';
import { interopTransport, withCrlf, withTransport } from './mailwire-client.js';

const servers = requireServers();
const consumed: PostfixDelivery[] = [];
afterAll(() => removeMessages(consumed));

const rsa = rsaKey(2048);
const ed = ed25519Key();
const records = { 'rsa._domainkey.example.com': rsa.record, 'ed._domainkey.example.com': ed.record };
const CANONS = ['relaxed/relaxed', 'relaxed/simple', 'simple/simple', 'simple/relaxed'] as const;
const dual = (canonicalization: (typeof CANONS)[number] = 'relaxed/relaxed'): DkimOptions[] => [
  { domain: 'example.com', selector: 'rsa', privateKey: rsa.pem, canonicalization },
  { domain: 'example.com', selector: 'ed', privateKey: ed.privateKey, canonicalization },
];

async function verdict(message: Buffer | string | { path: string }): Promise<Verdict> {
  return dkimpyVerify(typeof message === 'string' ? Buffer.from(message, 'latin1') : message, records);
}
/** Both signatures pass on the message, and both fail once one body byte is changed. */
async function passesAndTamperFails(signed: Buffer, tamper: (m: string) => string = flipBody): Promise<void> {
  expect(await verdict(signed)).toEqual({ results: [true, true], errors: [] });
  const changed = Buffer.from(tamper(signed.toString('latin1')), 'latin1');
  expect(changed.equals(signed)).toBe(false);
  expect((await verdict(changed)).results).toEqual([false, false]);
}
/** Changes the last letter of the body into another. */
function flipBody(m: string): string {
  const i = m.search(/[a-z][^a-z]*$/);
  return m.slice(0, i) + (m[i] === 'q' ? 'r' : 'q') + m.slice(i + 1);
}

describe('dkimpy verifies what mailwire signs', () => {
  it.each(CANONS)('%s, RSA-2048 and Ed25519 on one message; a changed body fails both', async (canon) => {
    const raw = await composeToBuffer({ from: 'Joe <joe@example.com>', to: 'b@example.net', subject: 'Dinner   at  eight', text: 'Hi.\n\nWe lost  the game. \t\nAre you hungry yet?\n\n\n' });
    await passesAndTamperFails(await signDkim(raw, dual(canon)));
  });

  it.each(CANONS)('%s: a changed signed header fails, an added From fails (oversigned)', async (canon) => {
    const signed = (await signDkim(await composeToBuffer({ from: 'joe@example.com', to: 'b@example.net', subject: 'Original', text: 'x' }), dual(canon))).toString('latin1');
    expect((await verdict(signed.replace('Subject: Original', 'Subject: Changed'))).results).toEqual([false, false]);
    expect((await verdict(signed.replace('\r\nFrom: joe@example.com', '\r\nFrom: joe@example.com\r\nFrom: ceo@example.com'))).results).toEqual([false, false]);
    expect((await verdict(signed.replace('\r\nSubject:', '\r\nReply-To: thief@evil.example\r\nSubject:'))).results).toEqual([false, false]);
  });

  it('encoded words (the composer) and raw 8-bit header bytes (signDkim), both canonicalizations', async () => {
    const composed = await composeToBuffer({ from: { name: 'Jörg Müller', address: 'j@example.com' }, to: 'Zoë <z@example.net>', subject: 'Grüße — ünïcödé ' + 'long '.repeat(30), text: 'ok' });
    expect(composed.toString('latin1')).toMatch(/=\?utf-8\?/i);
    await passesAndTamperFails(await signDkim(composed, dual()));
    const eightBit = Buffer.from('From: Jörg <j@example.com>\r\nTo: b@example.net\r\nSubject: café  crème\xa0\r\n\t   folded\r\nX-Raw: \xff\xfe\r\n\r\nbody\r\n', 'utf8');
    for (const canon of CANONS) await passesAndTamperFails(await signDkim(eightBit, dual(canon)));
  });

  it('dot-leading lines, a body without a final newline, bare LF line ends', async () => {
    for (const canon of CANONS) {
      const dots = Buffer.from('From: a@example.com\r\nTo: b@example.net\r\nSubject: dots\r\n\r\n.\r\n..two\r\n.hidden\r\n\r\n.\r\nend', 'latin1');
      await passesAndTamperFails(await signDkim(dots, dual(canon)));
      const lf = Buffer.from('From: a@example.com\nTo: b@example.net\nSubject: lf\n\nline one\nline two  \n', 'latin1');
      // dkimpy reads the message as it arrives after SMTP, where every line end is CRLF.
      const signedLf = await signDkim(lf, dual(canon));
      await passesAndTamperFails(Buffer.from(signedLf.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1'));
    }
  });

  it('empty bodies: a blank line and nothing after it, and no blank line at all', async () => {
    for (const canon of CANONS) {
      await passesAndTamperFails(await signDkim(Buffer.from('From: a@example.com\r\nSubject: empty\r\n\r\n'), dual(canon)), (m) => `${m}x\r\n`);
      await passesAndTamperFails(await signDkim(Buffer.from('From: a@example.com\r\nSubject: headers only\r\n'), dual(canon)), (m) => m.replace('only', 'onlx'));
    }
  });

  it('expiresInSeconds writes t= and x=, which dkimpy accepts', async () => {
    const signed = await signDkim(await composeToBuffer({ from: 'a@example.com', to: 'b@example.net', text: 'x' }), dual().map((d) => ({ ...d, expiresInSeconds: 3600 })));
    expect(signed.toString('latin1')).toMatch(/ t=\d+; x=\d+;/);
    await passesAndTamperFails(signed);
  });
});

describe('through the transport', () => {
  it('real Postfix on loopback: the stored message (trace headers on top) verifies; a changed copy does not', async () => {
    const token = uniqueToken('dkim');
    const client = interopTransport(servers, { port: servers.ports.postfix, security: 'none', dkim: dual() });
    await withTransport(client, (t) =>
      t.send({
        from: { name: 'Jörg', address: `sender-${token}@example.com` },
        to: `rcpt-${token}@example.org`,
        subject: `dkim ${token} ünïcödé`,
        text: `.leading dot\n..two dots\nsee you ${token}\nno final newline`,
        attachments: [{ filename: 'a.bin', content: Buffer.alloc(3000, 7) }],
      }),
    );
    const [stored] = await waitForPostfix(servers, token);
    consumed.push(stored!);
    const file = withCrlf(stored!.raw);
    expect(file.toString('latin1')).toMatch(/^Return-Path: [^]*\r\nReceived: [^]*\r\nDKIM-Signature: /);
    await passesAndTamperFails(file, (m) => m.replace(`see you ${token}`, `see yoU ${token}`));
  });

  it('a 25 MB attachment from a caller stream: spooled, sent, and the stored message verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-dkim-sink-'));
    const sink = await startSink({ dir, maxMessageBytes: 64 * 1024 * 1024 });
    try {
      const transport = createTransport({ host: '127.0.0.1', port: sink.port, security: 'none', guards: { maxMessageBytes: 64 * 1024 * 1024 }, dkim: dual() });
      let left = 25 * 1024 * 1024;
      const source = new Readable({
        read() {
          const n = Math.min(left, 256 * 1024);
          left -= n;
          this.push(n === 0 ? null : Buffer.alloc(n, left % 251));
        },
      });
      await transport.send({ from: 'a@example.com', to: 'b@example.net', subject: 'big', text: 'see attachment', attachments: [{ filename: 'big.bin', content: source }] });
      await transport.close();
      const [name] = readdirSync(dir).filter((n) => n.endsWith('.eml'));
      const path = join(dir, name!);
      expect(readFileSync(path).length).toBeGreaterThan(25 * 1024 * 1024);
      expect(await verdict({ path })).toEqual({ results: [true, true], errors: [] });
    } finally {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
