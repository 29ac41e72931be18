/** What `mailwire probe` found: the report runProbe builds and the printers and warnings read. */
import type { TranscriptHook } from '../connection/transcript.js';
import type { TlsCertificateSummary } from '../tls/summary.js';

export type ProbeSecurity = 'starttls' | 'tls' | 'none';

export interface ProbeOptions {
  host: string;
  port: number;
  security: ProbeSecurity;
  timeoutMs: number;
  /** PEM to trust (e.g. a self-signed test certificate); the system store otherwise. */
  ca?: string | Buffer;
  servername?: string;
  clientName?: string;
  onTranscript?: TranscriptHook;
}

export interface OfferedFeatures {
  /** EHLO keyword -> parameters, as the server wrote them. */
  capabilities: Record<string, string[]>;
  starttls: boolean;
  auth: string[];
  /** SIZE in bytes; 0 = advertised without a limit. */
  size?: number;
}

export interface ProbeTls {
  protocol: string;
  cipher: string;
  authorized: boolean;
  authorizationError?: string;
  certificate?: TlsCertificateSummary;
}

export interface ProbeReport {
  host: string;
  port: number;
  security: ProbeSecurity;
  /** The IP actually connected to. */
  address?: string;
  /** True when the probe got as far as an EHLO answer (after TLS when TLS was attempted) and the NOOP. */
  ok: boolean;
  greeting?: string;
  /** The plaintext EHLO answer (STARTTLS and plaintext sessions). */
  before?: OfferedFeatures;
  tls?: ProbeTls;
  /** The EHLO answer over TLS (after STARTTLS, or the only one with implicit TLS). */
  after?: OfferedFeatures;
  timings: { connectMs?: number; greetingMs?: number; ehloMs?: number; tlsMs?: number; noopMs?: number; totalMs: number };
  warnings: string[];
  error?: { code: string; message: string; phase: string };
}
