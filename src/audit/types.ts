/** What auditServer() takes and returns (the contract of `mailwire audit`). */
import type { TlsSettings } from '../tls/policy.js';
import type { TlsCertificateSummary } from '../tls/summary.js';
import type { AuditSecurity } from './raw-session.js';

export type { AuditSecurity } from './raw-session.js';

/** How bad a finding is: `info`, `low`, `medium` or `high`. */
export type Severity = 'info' | 'low' | 'medium' | 'high';

export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high'];

/** One problem found: its check, severity, what was seen and how to fix it. */
export interface Finding {
  /** Stable identifier, e.g. 'smtp-smuggling:lf-dot-lf' or 'auth-before-tls'. */
  id: string;
  severity: Severity;
  title: string;
  /** The transcript lines that show it ("C: ..." written by the audit, "S: ..." read from the server). */
  evidence: string[];
  /** What to change, in one line. */
  fix: string;
}

/** A check that did not run (`id`) and why (`why`). */
export interface Skipped {
  id: string;
  why: string;
}

/** What `auditServer` checks and how it connects (host, port, security, TLS, credentials, which checks). */
export interface AuditOptions {
  host: string;
  /** Default: 465 for 'tls', 587 for 'starttls', 25 for 'none'. */
  port?: number;
  /** Default 'starttls' (upgrades when offered), 'tls' on port 465. */
  security?: AuditSecurity;
  /** An address of the operator's own: test messages go only here. Without it the transaction checks are skipped. */
  to?: string;
  /** Envelope sender of the test messages (default: the --to address). */
  from?: string;
  /** Log in before the transactions (a submission port that needs it). Never shown in the report. */
  auth?: { user: string; pass: string };
  /** Recipient domains to test the server as a relay for (RCPT only, then RSET). */
  relayDomains?: string[];
  /** TLS settings (ca, servername...); the certificate is checked and reported, never enforced. */
  tls?: TlsSettings;
  /** EHLO name (default 'mailwire-audit.invalid'). */
  clientName?: string;
  /** Most connections open at once (default 2). */
  maxConnections?: number;
  /** Pause between two connections (default 200 ms). */
  delayMs?: number;
  /** Longest wait for one reply or handshake (default 10 s). */
  timeoutMs?: number;
  /** How long a quiet server is taken to have said everything (default 1500 ms). */
  settleMs?: number;
  /** The whole audit stops after this (default 180 s); what did not run is listed in `skipped`. */
  overallTimeoutMs?: number;
  /** Only these checks (ids of AUDIT_CHECKS), for tests and for re-running one check. */
  only?: string[];
  signal?: AbortSignal;
}

/** The TLS the audited server negotiated: protocol, cipher, whether the certificate was trusted (and why not), the certificate, and legacy versions it still accepts. */
export interface AuditTls {
  protocol?: string;
  cipher?: string;
  authorized?: boolean;
  authorizationError?: string;
  certificate?: TlsCertificateSummary;
  /** Old protocol versions tried and whether the server took them. */
  legacy?: Record<string, 'accepted' | 'refused' | 'untested'>;
}

/** The result of `auditServer`: the findings by severity, the checks skipped and why, the TLS summary. */
export interface AuditReport {
  host: string;
  port: number;
  security: AuditSecurity;
  greeting?: string;
  /** EHLO keywords before TLS and after (after: only when TLS was used). */
  capabilities: { before?: Record<string, string[]>; after?: Record<string, string[]> };
  tls?: AuditTls;
  findings: Finding[];
  skipped: Skipped[];
  /** Per check, plus the total, in ms. */
  timings: Record<string, number>;
  /** Per smuggling variant: what the server did with it. */
  smuggling?: Record<string, SmugglingOutcome>;
  /** Connections the audit opened (never more than maxConnections at once). */
  connections: number;
}

/**
 * 'end-of-data': the server ended the message at the variant (it answered the smuggled transaction, or
 * 250 early and errors after); 'rejected': it refused the message or dropped the session; 'content': it
 * took the variant as message content (one reply for the one message); 'unclear': no answer in time.
 */
export type SmugglingOutcome = 'end-of-data' | 'rejected' | 'content' | 'unclear';

export { type TlsSettings };
