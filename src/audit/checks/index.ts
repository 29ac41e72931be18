/** Every check the audit runs, in report order. Each is a small module with its own test in test/audit/. */
import type { AuditContext } from '../context.js';
import { smugglingCheck } from './smuggling.js';

export interface AuditCheck {
  id: string;
  run(ctx: AuditContext): Promise<void>;
}

export const AUDIT_CHECKS: readonly AuditCheck[] = [
  { id: 'smtp-smuggling', run: smugglingCheck },
];
