/**
 * `mailwire bench`'s message pump against real servers: Postfix's smtp-sink (the server the load tool is
 * measured against), a Postfix as strict about pipelining as it gets (smtpd_forbid_unauth_pipelining and
 * reject_unauth_pipelining, BDAT and DATA ports; every message must arrive exactly once), and the Postfix
 * submission port (STARTTLS with a verified certificate and AUTH by the client, then the pump).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runBench, type BenchOptions } from '../../src/bench-engine/index.js';
import { readEnvFile } from './env-file.js';
import { requireServers } from './harness.js';

const servers = requireServers();

function options(port: number, extra: Partial<BenchOptions> = {}): BenchOptions {
  return {
    target: { host: '127.0.0.1', port, security: 'none', timeoutMs: 20_000 },
    connections: 4,
    messages: 400,
    size: 2048,
    recipients: 1,
    pipelining: true,
    workers: 1,
    from: 'a@example.test',
    recipientDomain: 'example.test',
    engine: 'pump',
    ...extra,
  };
}

/** Message-ID tags of bench messages in a maildir, counted per tag (each run has its own random tag). */
function benchTags(dir: string): Map<string, Set<string>> {
  const tags = new Map<string, Set<string>>();
  for (const file of readdirSync(dir)) {
    const m = /^Message-ID: <(\d{12})\.([0-9a-f]{12})@mailwire\.bench>/im.exec(readFileSync(join(dir, file), 'latin1'));
    if (!m) continue;
    const [, number = '', tag = ''] = m;
    const seen = tags.get(tag) ?? new Set<string>();
    if (seen.has(number)) throw new Error(`message ${number} of run ${tag} arrived twice`);
    seen.add(number);
    tags.set(tag, seen);
  }
  return tags;
}

describe('bench message pump against real servers', () => {
  it('Postfix smtp-sink: every message accepted, none failed', async () => {
    const result = await runBench(options(servers.ports.sink, { connections: 20, messages: 4000, size: 2202 }));
    expect(result.messages).toEqual({ requested: 4000, attempted: 4000, sent: 4000, failed: 0, notAttempted: 0 });
    expect(result.sessionsOpened).toBe(20);
  });

  it.each([['BDAT', 'MW_PORT_POSTFIX_PIPELINING'], ['DATA', 'MW_PORT_POSTFIX_PIPELINING_DATA']])(
    'strict Postfix (%s): Postfix refuses nothing, every message arrives exactly once',
    async (_path, portVar) => {
      const env = readEnvFile('postfix-pipelining');
      const maildir = join(env.MW_MAILDIR_POSTFIX_PIPELINING ?? '', 'new');
      const before = new Set(benchTags(maildir).keys());
      const result = await runBench(options(Number(env[portVar]), { messages: 200 }));
      expect(result.errors).toEqual({});
      expect(result.messages.sent).toBe(200);
      let fresh: Set<string> | undefined;
      for (let tries = 0; tries < 300 && (fresh?.size ?? 0) < 200; tries += 1) {
        fresh = [...benchTags(maildir)].find(([tag]) => !before.has(tag))?.[1];
        await sleep(100);
      }
      expect([...(fresh ?? [])].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    },
    // The test's own budget: the bench's per-command timeout (20 s) plus the Maildir poll (up to 30 s). The
    // project's 20 s default ended the test before either could report, when this Postfix instance, shared
    // with test/interop/pipelining.test.ts, left new sessions ungreeted for ~20 s in one CI run.
    60_000,
  );

  it('Postfix submission: STARTTLS (verified) and AUTH by the client, then the pump', async () => {
    const opts = options(servers.ports.submission, { messages: 40, connections: 2 });
    opts.target = { ...opts.target, security: 'starttls', tls: { ca: servers.tls.caPem, servername: 'localhost' }, auth: { user: servers.auth.user, pass: servers.auth.pass } };
    const result = await runBench(opts);
    expect(result.connectionErrors).toEqual({});
    expect(result.messages).toMatchObject({ sent: 40, failed: 0 });
  });
});
