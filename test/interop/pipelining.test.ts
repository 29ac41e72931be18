/**
 * A real Postfix as strict about pipelining as it gets (smtpd_forbid_unauth_pipelining = yes, the 3.9
 * default, and reject_unauth_pipelining for DATA; servers.d/postfix-pipelining-up.sh). mailwire writes the
 * next message's MAIL right behind the final dot: 500 pooled sends must all arrive exactly once. The scripted
 * server that refuses such commands is test/faults/pipelining-refusal.test.ts; this shows what Postfix does.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createTransport } from '../../src/index.js';

const D = process.env.MW_INTEROP_DIR ?? '/tmp/mw-interop';
const envFile = join(D, 'postfix-pipelining.env');
const env = existsSync(envFile)
  ? Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => l.split('=', 2) as [string, string]),
    )
  : undefined;

async function delivered(dir: string, token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let tries = 0; tries < 300; tries += 1) {
    ids.length = 0;
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'latin1');
      if (!text.includes(token)) continue;
      ids.push(/^Message-ID:\s*(<[^>]+>)/im.exec(text)?.[1] ?? '(none)');
    }
    if (ids.length >= count) break;
    await sleep(100);
  }
  return ids;
}

describe.skipIf(!env)('Postfix with smtpd_forbid_unauth_pipelining and reject_unauth_pipelining', () => {
  it.each([
    ['BDAT', 'MW_PORT_POSTFIX_PIPELINING'],
    ['DATA', 'MW_PORT_POSTFIX_PIPELINING_DATA'],
  ])('%s: 500 pooled sends arrive exactly once; Postfix refuses none of the commands written behind the end', async (_path, portVar) => {
    const port = Number(env?.[portVar]);
    const maildir = join(env?.MW_MAILDIR_POSTFIX_PIPELINING ?? '', 'new');
    const token = `pipelining-${Date.now()}-${process.pid}`;
    const refusals: string[] = [];
    const t = createTransport({
      host: '127.0.0.1',
      port,
      security: 'none',
      clientName: 'client.test',
      pool: { maxConnections: 5 },
      onTranscript: (e) => {
        if (e.dir === 'S' && /^5\d\d/.test(e.line)) refusals.push(e.line);
      },
    });
    try {
      const sent = await Promise.all(
        Array.from({ length: 500 }, (_, i) => t.send({ from: 'a@example.test', to: 'b@example.test', subject: `${token} ${i}`, text: `message ${i}` })),
      );
      expect(sent.every((info) => info.attempts === 1)).toBe(true);
      const ids = await delivered(maildir, token, 500);
      expect(ids).toHaveLength(500);
      expect(new Set(ids)).toEqual(new Set(sent.map((info) => info.messageId)));
      // What Postfix does with MAIL written behind the dot: it takes it (RFC 2920), even this strict.
      expect(refusals).toEqual([]);
    } finally {
      await t.close();
    }
  }, 120_000);
});
