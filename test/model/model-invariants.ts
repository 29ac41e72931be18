/**
 * What must hold after every model run, whatever the servers did. Returns the violations as sentences
 * (empty when the run was clean), so a failing run prints all of them at once with the run's trace.
 */
import { SmtpError } from '../../src/index.js';
import type { ModelSystem } from './model-system.js';
import { processErrors } from './model-system.js';

export interface RunEnd {
  closeResolved: boolean;
  /** Also check that no server saw more than maxConnections sessions at once (issue 14, known bug). */
  checkPeak: boolean;
  after: { fds: number; resources: Record<string, number> };
}

export function violations(system: ModelSystem, end: RunEnd): string[] {
  const out: string[] = [];
  const kept = (id: string): number => system.servers.reduce((sum, s) => sum + (s.received.get(id)?.kept ?? 0), 0);

  const unsettled = system.unsettled();
  if (unsettled.length > 0) {
    out.push(`${unsettled.length} of ${system.sends.length} sends never settled: #${unsettled.map((s) => s.n).join(', #')}`);
  }
  for (const s of system.sends) {
    if (s.settled > 1) out.push(`send #${s.n} settled ${s.settled} times`);
    const copies = kept(s.id);
    const outcome = s.outcome;
    if (!outcome) {
      if (copies > 1) out.push(`send #${s.n} (unsettled) was kept ${copies} times`);
      continue;
    }
    if (outcome.kind === 'resolved') {
      if (s.afterClose) out.push(`send #${s.n} issued after close() resolved`);
      if (copies !== 1) out.push(`send #${s.n} resolved but the servers kept it ${copies} times`);
      if (outcome.info.messageId !== s.id) out.push(`send #${s.n} resolved with messageId ${outcome.info.messageId}`);
      continue;
    }
    const error = outcome.error;
    if (!SmtpError.is(error)) {
      out.push(`send #${s.n} rejected with a non-SmtpError: ${String(error)}`);
      continue;
    }
    if (error.delivery !== 'none' && error.delivery !== 'unknown') out.push(`send #${s.n} rejected with delivery ${String(error.delivery)}`);
    if (s.afterClose && error.code !== 'ECLOSED') out.push(`send #${s.n} issued after close() failed with ${error.code}, not ECLOSED`);
    if (error.delivery === 'none' && copies > 0) {
      out.push(`send #${s.n} failed with delivery 'none' (${system.describeError(error)}) but the servers kept it ${copies} time(s)`);
    }
    // Twice is allowed only when the caller was told it may have been delivered.
    if (copies > 1 && error.delivery !== 'unknown') out.push(`send #${s.n} was kept ${copies} times`);
  }

  // Exactly once, seen from the events too: one message:sent or message:failed per send issued before close().
  const counted = system.sends.filter((s) => !s.afterClose && s.outcome !== undefined);
  const resolved = counted.filter((s) => s.outcome?.kind === 'resolved');
  for (const s of resolved) {
    const events = system.events.sent.get(s.id) ?? 0;
    if (events !== 1) out.push(`send #${s.n} resolved with ${events} message:sent events`);
  }
  const rejected = counted.length - resolved.length;
  if (system.events.failed !== rejected) out.push(`${rejected} sends rejected but ${system.events.failed} message:failed events`);

  // Messages the servers kept that no send of this run accounts for.
  const ids = new Set(system.sends.map((s) => s.id));
  for (const server of system.servers) {
    for (const [id, r] of server.received) if (r.kept > 0 && !ids.has(id)) out.push(`server kept ${id}, which no send accounts for`);
  }

  if (!end.closeResolved) out.push('close() did not resolve');
  if (end.checkPeak) {
    system.servers.forEach((s, i) => {
      const peak = system.clientPeak[i] ?? 0;
      if (peak > system.config.poolSize) out.push(`the client held ${peak} connections at once to server ${i} from a pool of ${system.config.poolSize} (the server saw ${s.peak})`);
    });
  }
  const errors = processErrors.slice(system.baseline.processErrors);
  for (const e of errors) out.push(`unhandled in the process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  if (end.after.fds > system.baseline.fds) out.push(`file descriptors: ${system.baseline.fds} before, ${end.after.fds} after`);
  for (const [name, count] of Object.entries(end.after.resources)) {
    const before = system.baseline.resources[name] ?? 0;
    if (count > before + (name === 'Timeout' ? 1 : 0)) out.push(`active ${name}: ${before} before, ${count} after`);
  }
  return out;
}

/** The run, told for a human: config, commands, server logs, every send's outcome. */
export function report(system: ModelSystem, problems: string[]): string {
  const lines = [`config ${JSON.stringify(system.config)}`, 'commands:', ...system.trace.map((t) => `  ${t}`)];
  system.servers.forEach((s, i) => lines.push(`server ${i} (port ${s.port}): ${s.log.slice(-30).join('; ')}`));
  for (const s of system.sends) {
    const o = s.outcome;
    const what = !o ? 'UNSETTLED' : o.kind === 'resolved' ? `resolved via ${o.info.via.index} after ${o.info.attempts}` : `rejected ${system.describeError(o.error)}`;
    const kept = system.servers.map((srv) => srv.received.get(s.id)?.kept ?? 0).join('+');
    lines.push(`  send #${s.n}${s.abortAfterMs !== undefined ? ` (abort@${s.abortAfterMs}ms)` : ''}${s.afterClose ? ' (after close)' : ''}: ${what}; kept ${kept}`);
  }
  return [...problems.map((p) => `VIOLATION: ${p}`), ...lines].join('\n');
}
