/**
 * The session transcript: every command and reply line, for conformance users and debugging.
 *
 * Redaction happens here, once, before a line leaves the connection: AUTH arguments, every client line of
 * a SASL exchange and every 334 challenge are replaced, so a transcript can be pasted into a bug report.
 */
import type { Reply } from '../protocol/reply.js';

/** One line of the SMTP session: `C` sent, `S` received, `i` a note from mailwire. Credentials are already `<redacted>`. */
export interface TranscriptEntry {
  /** 'C' client to server, 'S' server to client, 'i' information from mailwire itself. */
  dir: 'C' | 'S' | 'i';
  line: string;
  /** Milliseconds since the epoch. */
  at: number;
}

/** Called with every line of the session (the `onTranscript` option). */
export type TranscriptHook = (entry: TranscriptEntry) => void;

export const REDACTED = '<redacted>';

export class Transcript {
  readonly #hook: TranscriptHook | undefined;
  #saslActive = false;

  constructor(hook: TranscriptHook | undefined) {
    this.#hook = hook;
  }

  get enabled(): boolean {
    return this.#hook !== undefined;
  }

  /** While true, client lines are secrets and 334 challenges are hidden. */
  set saslActive(active: boolean) {
    this.#saslActive = active;
  }

  client(wire: string): void {
    if (!this.#hook) return;
    for (const line of wire.split('\r\n')) {
      if (line === '') continue;
      this.#emit('C', this.#saslActive ? redactClient(line) : line);
    }
  }

  server(reply: Reply): void {
    if (!this.#hook) return;
    const last = reply.lines.length - 1;
    reply.lines.forEach((text, i) => {
      const shown = reply.code === 334 ? REDACTED : text;
      this.#emit('S', `${reply.code}${i === last ? ' ' : '-'}${shown}`);
    });
  }

  info(line: string): void {
    if (this.#hook) this.#emit('i', line);
  }

  #emit(dir: TranscriptEntry['dir'], line: string): void {
    try {
      this.#hook?.({ dir, line, at: Date.now() });
    } catch {
      // A throwing user hook must not break the session.
    }
  }
}

/** "AUTH PLAIN AGZvbwBiYXI=" -> "AUTH PLAIN <redacted>"; any other line of the exchange -> "<redacted>". */
export function redactClient(line: string): string {
  const match = /^(AUTH\s+\S+)(\s.*)?$/i.exec(line);
  if (match) return match[2] === undefined ? (match[1] ?? line) : `${match[1]} ${REDACTED}`;
  return REDACTED;
}
