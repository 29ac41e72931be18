/**
 * What every check is given: the resolved options, the baseline (greeting, capabilities before and after
 * TLS, taken once by the runner), a way to open a session through the connection gate, and the report
 * to add findings and skips to.
 */
import type { Capabilities } from '../protocol/capabilities.js';
import type { Reply } from '../protocol/reply.js';
import type { TlsInfo } from '../tls/upgrade.js';
import { ConnectionGate } from './connection-gate.js';
import { RawSession, type AuditSecurity } from './raw-session.js';
import type { AuditOptions, AuditReport, Finding, TlsSettings } from './types.js';

export interface ResolvedAuditOptions {
  host: string;
  port: number;
  security: AuditSecurity;
  to?: string;
  from: string;
  auth?: { user: string; pass: string };
  relayDomains: string[];
  tls: TlsSettings;
  clientName: string;
  timeoutMs: number;
  settleMs: number;
}

export interface Baseline {
  greeting: Reply;
  /** EHLO in plaintext (absent with security 'tls'). */
  before?: Capabilities;
  /** EHLO over TLS (absent when TLS was not used). */
  after?: Capabilities;
  tls?: TlsInfo;
  /** The transcripts of the baseline sessions (plaintext EHLO first), for evidence. */
  transcript: string[];
  beforeTranscript: string[];
}

export interface OpenedSession {
  session: RawSession;
  /** What the server offers at the point the session was left (after TLS and AUTH when asked for). */
  capabilities: Capabilities;
  /** True when the session runs over TLS. */
  secure: boolean;
}

export interface SessionWish {
  /** Upgrade with STARTTLS when the security mode and the server allow it (default true). */
  tls?: boolean;
  /** Log in when credentials were given and the server offers a mechanism we speak (default false). */
  auth?: boolean;
  /** TLS settings for this session only (the TLS version check narrows the versions). */
  tlsSettings?: TlsSettings;
}

export class AuditContext {
  readonly options: ResolvedAuditOptions;
  readonly report: AuditReport;
  readonly signal: AbortSignal;
  baseline!: Baseline;
  /** STARTTLS is offered but fails (see baseline.ts): later sessions stay in plaintext. */
  starttlsBroken = false;
  readonly #gate: ConnectionGate;

  constructor(options: ResolvedAuditOptions, report: AuditReport, gate: ConnectionGate, signal: AbortSignal) {
    this.options = options;
    this.report = report;
    this.#gate = gate;
    this.signal = signal;
  }

  finding(finding: Finding): void {
    this.report.findings.push(finding);
  }

  skip(id: string, why: string): void {
    this.report.skipped.push({ id, why });
  }

  /** Opens a session, runs `body` on it, and always closes it and frees its slot. */
  async withSession<T>(wish: SessionWish, transcript: string[], body: (opened: OpenedSession) => Promise<T>): Promise<T> {
    const release = await this.#gate.acquire(this.signal);
    let session: RawSession | undefined;
    try {
      if (this.signal.aborted) throw new Error('the audit was stopped (deadline or interrupt)');
      const o = this.options;
      session = await RawSession.open(
        { host: o.host, port: o.port, implicitTls: o.security === 'tls', tls: { ...o.tls, ...wish.tlsSettings }, timeoutMs: o.timeoutMs, signal: this.signal },
        transcript,
      );
      const opened = await this.#prepare(session, wish);
      return await body(opened);
    } finally {
      if (session && !session.closed) await session.quit().catch(() => undefined);
      session?.close();
      release();
    }
  }

  async #prepare(session: RawSession, wish: SessionWish): Promise<OpenedSession> {
    const o = this.options;
    let { capabilities } = await session.ehlo(o.clientName);
    if (!capabilities) throw new Error('the server refused EHLO');
    let secure = o.security === 'tls';
    if ((wish.tls ?? true) && o.security === 'starttls' && capabilities.starttls && !this.starttlsBroken) {
      const reply = await session.command('STARTTLS');
      if (reply?.code !== 220) throw new Error(`STARTTLS was answered ${reply ? reply.code : 'with nothing'}`);
      await session.upgrade();
      secure = true;
      capabilities = (await session.ehlo(o.clientName)).capabilities;
      if (!capabilities) throw new Error('the server refused EHLO after STARTTLS');
    }
    if (wish.auth && o.auth) {
      // The password goes only where it would go from a careful client: over TLS, to a verified server.
      if (!secure) throw new Error('credentials are only sent over TLS (this session has none)');
      if (session.tlsInfo?.authorized === false) throw new Error(`credentials are not sent: the certificate does not verify (${session.tlsInfo.authorizationError ?? 'unknown reason'}); pass its CA with --ca`);
      await login(session, o.auth, capabilities);
    }
    return { session, capabilities, secure };
  }
}

async function login(session: RawSession, auth: { user: string; pass: string }, caps: Capabilities): Promise<void> {
  if (caps.auth.includes('PLAIN')) {
    const token = Buffer.from(`\0${auth.user}\0${auth.pass}`, 'utf8').toString('base64');
    const reply = await session.secret(`AUTH PLAIN ${token}`, 'AUTH PLAIN <credentials hidden>');
    if (reply?.code !== 235) throw new Error(`AUTH PLAIN was answered ${reply ? reply.code : 'with nothing'}`);
    return;
  }
  if (caps.auth.includes('LOGIN')) {
    let reply = await session.command('AUTH LOGIN');
    if (reply?.code !== 334) throw new Error(`AUTH LOGIN was answered ${reply ? reply.code : 'with nothing'}`);
    reply = await session.secret(Buffer.from(auth.user, 'utf8').toString('base64'), '<user name hidden>');
    if (reply?.code !== 334) throw new Error(`AUTH LOGIN user was answered ${reply ? reply.code : 'with nothing'}`);
    reply = await session.secret(Buffer.from(auth.pass, 'utf8').toString('base64'), '<password hidden>');
    if (reply?.code !== 235) throw new Error(`AUTH LOGIN was answered ${reply ? reply.code : 'with nothing'}`);
    return;
  }
  throw new Error(`credentials were given but the server offers no PLAIN or LOGIN (AUTH ${caps.auth.join(' ') || 'absent'})`);
}

/** Fills in the defaults. */
export function resolveOptions(options: AuditOptions): ResolvedAuditOptions {
  const security = options.security ?? (options.port === 465 ? 'tls' : 'starttls');
  const port = options.port ?? (security === 'tls' ? 465 : security === 'starttls' ? 587 : 25);
  const out: ResolvedAuditOptions = {
    host: options.host,
    port,
    security,
    from: options.from ?? options.to ?? '',
    relayDomains: options.relayDomains ?? [],
    tls: options.tls ?? {},
    clientName: options.clientName ?? 'mailwire-audit.invalid',
    timeoutMs: options.timeoutMs ?? 10_000,
    settleMs: options.settleMs ?? 1500,
  };
  if (options.to !== undefined) out.to = options.to;
  if (options.auth !== undefined) out.auth = options.auth;
  return out;
}
