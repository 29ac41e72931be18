import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { auditServer } from '../../src/audit/run.js';
import { CHECK_IDS } from '../../src/audit/checks/index.js';
import { TEST_CERTIFICATE } from '../../src/sink/test-certificate.js';
import { fakeServer } from './fake-server.js';

describe('audit: the whole run', () => {
  it('finds nothing above info on a correct server, with every check running', async () => {
    const server = await fakeServer({ size: 1000, chunking: true });
    try {
      const report = await auditServer({
        host: '127.0.0.1',
        port: server.port,
        to: 'me@local.test',
        relayDomains: ['example.org'],
        tls: { ca: TEST_CERTIFICATE, servername: 'localhost' },
        delayMs: 0,
        settleMs: 250,
        timeoutMs: 3000,
      });
      expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(report.skipped).toEqual([]);
      expect(Object.keys(report.timings).sort()).toEqual([...CHECK_IDS, 'baseline', 'total'].sort());
      expect(report.capabilities.before?.STARTTLS).toEqual([]);
      expect(report.tls?.legacy).toEqual({ 'TLS 1.0': 'refused', 'TLS 1.1': 'refused' });
      expect(report.port).toBe(server.port);
      expect(report.security).toBe('starttls');
    } finally {
      await server.close();
    }
  });

  it('refuses to start (ECONNECTION) when the server cannot be reached', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(auditServer({ host: '127.0.0.1', port, security: 'none' })).rejects.toMatchObject({ code: 'ECONNECTION' });
  });

  it('stops at the overall deadline and lists what did not run', async () => {
    // Greets and answers EHLO, then never says anything again.
    const server = net.createServer((socket) => {
      socket.write('220 slow.test ESMTP\r\n');
      socket.once('data', () => socket.write('250 slow.test\r\n'));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const report = await auditServer({ host: '127.0.0.1', port, security: 'none', to: 'me@local.test', overallTimeoutMs: 500, timeoutMs: 60_000, delayMs: 0 });
      expect(report.skipped.length).toBeGreaterThan(0);
      expect(report.findings.filter((f) => f.severity === 'high')).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('audit: credentials', () => {
  it('are not sent to a server whose certificate does not verify, nor in plaintext', async () => {
    const server = await fakeServer({ authBeforeTls: true });
    try {
      const common = { host: '127.0.0.1', port: server.port, to: 'me@local.test', auth: { user: 'u', pass: 'secret' }, delayMs: 0, settleMs: 200, timeoutMs: 3000, only: ['extensions'] };
      const unverified = await auditServer({ ...common, security: 'starttls' });
      expect(unverified.skipped).toEqual([{ id: 'extensions', why: expect.stringContaining('the certificate does not verify') }]);
      const plain = await auditServer({ ...common, security: 'none' });
      expect(plain.skipped).toEqual([{ id: 'extensions', why: expect.stringContaining('only sent over TLS') }]);
      const verified = await auditServer({ ...common, security: 'starttls', tls: { ca: TEST_CERTIFICATE, servername: 'localhost' } });
      expect(verified.skipped).toEqual([{ id: 'extensions:size', why: 'SIZE is not advertised' }]);
      expect(JSON.stringify([unverified, plain, verified])).not.toContain('secret');
    } finally {
      await server.close();
    }
  });
});

describe('audit: a STARTTLS that is offered but fails', () => {
  it('is a finding, and the other checks run in plaintext instead of the audit stopping', async () => {
    const server = await fakeServer({ starttlsBroken: true, authBeforeTls: true });
    try {
      const report = await auditServer({ host: '127.0.0.1', port: server.port, delayMs: 0, settleMs: 200, timeoutMs: 3000, only: ['auth-before-tls', 'starttls-injection', 'vrfy-expn'] });
      expect(report.findings.map((f) => f.id)).toEqual(['auth-before-tls', 'starttls-broken']);
      expect(report.findings[1]?.evidence).toContain('S: 220 2.0.0 go ahead');
      expect(report.skipped).toEqual([{ id: 'starttls-injection', why: 'STARTTLS does not complete (see starttls-broken)' }]);
      expect(report.timings['vrfy-expn']).toBeDefined();
    } finally {
      await server.close();
    }
  });
});
