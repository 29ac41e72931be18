// mailwire's LMTP against Dovecot's LMTP server (servers.d/lmtp-up.sh), over TCP and over a Unix
// socket: one known and one unknown recipient. Dovecot refuses the unknown one at RCPT; the known one
// gets its own reply after the message. The Maildir must hold exactly one copy, and info must say which
// recipient was refused and why.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createTransport, SmtpError, type TranscriptEntry, type TransportConfig } from '../../src/index.js';
import { uniqueToken } from './harness.js';
import { readEnvFile } from './env-file.js';

const env = readEnvFile('lmtp');
const MAILDIR = env['MW_LMTP_MAILDIR'] ?? '';
const USER = env['MW_LMTP_USER'] ?? '';

/** Files in the Maildir (new/ and cur/) whose content holds the token; removes them after reading. */
async function copiesOf(token: string, expect: number): Promise<string[]> {
  let found: string[] = [];
  for (let i = 0; i < 50; i += 1) {
    found = [];
    for (const sub of ['new', 'cur']) {
      let names: string[] = [];
      try {
        names = readdirSync(join(MAILDIR, sub));
      } catch {
        continue;
      }
      for (const name of names) {
        const file = join(MAILDIR, sub, name);
        if (readFileSync(file, 'latin1').includes(token)) found.push(file);
      }
    }
    if (found.length >= expect) break;
    await sleep(50);
  }
  const contents = found.map((f) => readFileSync(f, 'latin1'));
  for (const f of found) rmSync(f, { force: true });
  return contents;
}

const WAYS: Array<[string, Partial<TransportConfig>]> = [
  ['TCP', { host: '127.0.0.1', port: Number(env['MW_LMTP_PORT']), security: 'none' }],
  ['Unix socket', { socketPath: env['MW_LMTP_SOCKET'] ?? '' }],
];

describe("Dovecot's LMTP server", () => {
  for (const [way, where] of WAYS) {
    it(`${way}: a known and an unknown recipient: one copy stored, info names the refused one and why`, async () => {
      const token = uniqueToken('lmtp');
      const transcript: TranscriptEntry[] = [];
      const transport = createTransport({ protocol: 'lmtp', clientName: 'client.test', retry: { attempts: 1 }, onTranscript: (e) => transcript.push(e), ...where });
      const known = `${USER}@lmtp.test`;
      const unknown = `nobody-${token}@lmtp.test`;
      try {
        const info = await transport.send({ from: 'sender@example.com', to: [known, unknown], subject: token, text: `body ${token}` });
        expect(info.accepted).toEqual([known]);
        expect(info.rejected).toHaveLength(1);
        expect(info.rejected[0]).toMatchObject({ address: unknown, code: 550, enhancedCode: '5.1.1' });
        expect(info.rejected[0]?.message).toMatch(/User doesn't exist/);
        expect(info.response).toMatch(/^250 /);
      } finally {
        await transport.close();
      }
      const copies = await copiesOf(token, 1);
      expect(copies).toHaveLength(1);
      expect(copies[0]).toContain(`body ${token}`);
      const client = transcript.filter((e) => e.dir === 'C').map((e) => e.line).join('\n');
      expect(client).toMatch(/^LHLO client\.test/m);
      expect(client).not.toMatch(/^EHLO|^BDAT/m);
    });
  }

  it('only unknown recipients: EENVELOPE listing each, nothing stored', async () => {
    const token = uniqueToken('lmtp-none');
    const transport = createTransport({ protocol: 'lmtp', socketPath: env['MW_LMTP_SOCKET'] ?? '', clientName: 'client.test', retry: { attempts: 1 } });
    let caught: unknown;
    try {
      await transport.send({ from: 'sender@example.com', to: [`a-${token}@lmtp.test`, `b-${token}@lmtp.test`], subject: token, text: token });
    } catch (error) {
      caught = error;
    } finally {
      await transport.close();
    }
    expect(SmtpError.is(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'EENVELOPE', delivery: 'none' });
    expect((caught as { rejected: Array<{ address: string }> }).rejected.map((r) => r.address)).toEqual([`a-${token}@lmtp.test`, `b-${token}@lmtp.test`]);
    expect(await copiesOf(token, 0)).toHaveLength(0);
  });

  it('several messages on one pooled connection (Dovecot offers PIPELINING): each stored once', async () => {
    const transport = createTransport({ protocol: 'lmtp', host: '127.0.0.1', port: Number(env['MW_LMTP_PORT']), security: 'none', clientName: 'client.test', pool: { maxConnections: 1 }, retry: { attempts: 1 } });
    const tokens = [uniqueToken('lmtp-p1'), uniqueToken('lmtp-p2'), uniqueToken('lmtp-p3')];
    try {
      const infos = await Promise.all(tokens.map((t) => transport.send({ from: 'sender@example.com', to: [`${USER}@lmtp.test`, `nobody-${t}@lmtp.test`], subject: t, text: t })));
      for (const info of infos) expect(info.accepted).toEqual([`${USER}@lmtp.test`]);
    } finally {
      await transport.close();
    }
    for (const t of tokens) expect(await copiesOf(t, 1)).toHaveLength(1);
  });
});
