/** Runs auditServer against a fake server with the given behaviour, one or more checks only. */
import { auditServer } from '../../src/audit/run.js';
import type { AuditOptions, AuditReport } from '../../src/audit/types.js';
import { fakeServer, type FakeBehaviour, type FakeServer } from './fake-server.js';

export async function auditFake(
  behaviour: FakeBehaviour,
  only: string[],
  options: Partial<AuditOptions> = {},
): Promise<{ report: AuditReport; server: FakeServer }> {
  const server = await fakeServer(behaviour);
  try {
    const report = await auditServer({
      host: '127.0.0.1',
      port: server.port,
      security: 'starttls',
      delayMs: 0,
      settleMs: 250,
      timeoutMs: 3000,
      only,
      ...options,
    });
    return { report, server };
  } finally {
    await server.close();
  }
}

export const ids = (report: AuditReport): string[] => report.findings.map((f) => f.id);
