/** Every check the audit runs. Each is a small module with its own test in test/audit/. */
import type { AuditContext } from '../context.js';
import { authBeforeTlsCheck } from './auth-before-tls.js';
import { bannerCheck } from './banner.js';
import { certificateCheck } from './certificate.js';
import { extensionsCheck } from './extensions.js';
import { openRelayCheck } from './open-relay.js';
import { smugglingCheck } from './smuggling.js';
import { starttlsInjectionCheck } from './starttls-injection.js';
import { tlsVersionsCheck } from './tls-versions.js';
import { vrfyExpnCheck } from './vrfy-expn.js';

export interface AuditCheck {
  id: string;
  run(ctx: AuditContext): Promise<void>;
}

/** The checks `auditServer` runs, in order, each with its `id`. */
export const AUDIT_CHECKS: readonly AuditCheck[] = [
  { id: 'smtp-smuggling', run: smugglingCheck },
  { id: 'starttls-injection', run: starttlsInjectionCheck },
  { id: 'auth-before-tls', run: authBeforeTlsCheck },
  { id: 'tls-versions', run: tlsVersionsCheck },
  { id: 'certificate', run: certificateCheck },
  { id: 'extensions', run: extensionsCheck },
  { id: 'vrfy-expn', run: vrfyExpnCheck },
  { id: 'banner', run: bannerCheck },
  { id: 'open-relay', run: openRelayCheck },
];

export const CHECK_IDS: readonly string[] = AUDIT_CHECKS.map((c) => c.id);
