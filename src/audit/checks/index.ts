/**
 * Every check the audit runs. Each is a small module with its own test in test/audit/, loaded when it first
 * runs: the list is part of the package's entry point, and an application that sends mail never runs one.
 */
import type { AuditContext } from '../context.js';

export interface AuditCheck {
  id: string;
  run(ctx: AuditContext): Promise<void>;
}

/** The checks `auditServer` runs, in order, each with its `id`. */
export const AUDIT_CHECKS: readonly AuditCheck[] = [
  { id: 'smtp-smuggling', run: async (ctx) => (await import('./smuggling.js')).smugglingCheck(ctx) },
  { id: 'starttls-injection', run: async (ctx) => (await import('./starttls-injection.js')).starttlsInjectionCheck(ctx) },
  { id: 'auth-before-tls', run: async (ctx) => (await import('./auth-before-tls.js')).authBeforeTlsCheck(ctx) },
  { id: 'tls-versions', run: async (ctx) => (await import('./tls-versions.js')).tlsVersionsCheck(ctx) },
  { id: 'certificate', run: async (ctx) => (await import('./certificate.js')).certificateCheck(ctx) },
  { id: 'extensions', run: async (ctx) => (await import('./extensions.js')).extensionsCheck(ctx) },
  { id: 'vrfy-expn', run: async (ctx) => (await import('./vrfy-expn.js')).vrfyExpnCheck(ctx) },
  { id: 'banner', run: async (ctx) => (await import('./banner.js')).bannerCheck(ctx) },
  { id: 'open-relay', run: async (ctx) => (await import('./open-relay.js')).openRelayCheck(ctx) },
];

export const CHECK_IDS: readonly string[] = AUDIT_CHECKS.map((c) => c.id);
