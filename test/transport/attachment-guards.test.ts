/** guards.fileAccess / urlAccess, and the transport's resolver reaching href fetches. */
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type Resolver, type TransportConfig } from '../../src/index.js';
import { rejection } from '../helpers/expect-error.js';
import { lineServer } from '../helpers/line-server.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const base = { from: 'a@example.com', to: 'b@example.com', text: 'x' };

async function setup(extra: Partial<TransportConfig>) {
  const server = await lineServer();
  cleanups.push(() => server.close());
  const t = createTransport({ host: '127.0.0.1', port: server.port, security: 'none', retry: { attempts: 1 }, ...extra });
  cleanups.push(() => t.close());
  return { server, t };
}

describe('guards.fileAccess / guards.urlAccess', () => {
  it('fileAccess: false refuses a path attachment before the file is looked at, and nothing is sent', async () => {
    const { server, t } = await setup({ guards: { fileAccess: false } });
    for (const path of ['/etc/passwd', '/no/such/file']) {
      const e = await rejection(t.send({ ...base, attachments: [{ path }] }));
      expect(e.code).toBe('EGUARD');
      expect(e.message).toBe('attachments[0].path: file access is disabled');
      expect(e.delivery).toBe('none');
    }
    expect(server.connections()).toBe(0);
  });

  it('urlAccess: false refuses an href attachment before anything is resolved', async () => {
    const asked: string[] = [];
    const resolver: Resolver = async (host) => (asked.push(host), [{ address: '127.0.0.1', family: 4 }]);
    const { server, t } = await setup({ guards: { urlAccess: false }, resolver });
    const e = await rejection(t.send({ ...base, attachments: [{ href: 'https://files.invalid/a.pdf' }] }));
    expect(e.code).toBe('EGUARD');
    expect(e.message).toBe('attachments[0].href: URL access is disabled');
    expect(asked).toEqual([]);
    expect(server.connections()).toBe(0);
  });

  it("href fetches resolve through the transport's resolver: a private answer is refused", async () => {
    const asked: string[] = [];
    const resolver: Resolver = async (host) => (asked.push(host), [{ address: '10.1.2.3', family: 4 }]);
    const { server, t } = await setup({ resolver });
    const e = await rejection(t.send({ ...base, attachments: [{ href: 'https://files.invalid/a.pdf' }] }));
    expect(asked).toEqual(['files.invalid']);
    expect(e.code).toBe('EGUARD');
    expect(e.message).toContain('non-public address (10.1.2.3)');
    expect(server.connections()).toBe(0);
  });
});
