/**
 * The shape every proxy handshake has: pure state machines, bytes in and values out (no sockets, no timers),
 * so each can be tested on byte arrays split at every point. The connector drives one over a real socket.
 */

/** Why the proxy did not open the tunnel, without naming the proxy (the connector adds that). */
export interface HandshakeFailure {
  /** E.g. 'SOCKS reply 5 (connection refused)' or 'HTTP/1.1 407 Proxy Authentication Required'. */
  message: string;
  /** True when trying again later may work (the proxy could not reach the server); false for refusals. */
  transient: boolean;
}

export type HandshakeStep =
  /** Send these bytes (if any) and wait for more input. */
  | { state: 'continue'; send?: Uint8Array }
  /** The tunnel is open; `leftover` is what arrived after the proxy's reply and belongs to the tunnel. */
  | { state: 'done'; leftover: Uint8Array }
  | { state: 'failed'; failure: HandshakeFailure };

export interface ProxyHandshake {
  /** The first bytes the client sends. */
  start(): Uint8Array;
  /**
   * Feeds what the proxy sent; call again with every chunk until 'done' or 'failed'. A step that sends
   * bytes ends the call even if more input is buffered: send them, then push an empty chunk, until a step
   * sends nothing (drive() below does exactly that).
   */
  push(chunk: Uint8Array): HandshakeStep;
  /** What the handshake is waiting for, for the error when the proxy closes or times out. */
  readonly waitingFor: string;
}

/** Where the proxy should connect: an IP literal or a host name, and a port. */
export interface TunnelTarget {
  host: string;
  port: number;
}

export interface ProxyCredentials {
  username: string;
  password: string;
}

/** Printable, bounded text from a peer's bytes, safe to put in an error message. */
export function printableBytes(bytes: Uint8Array, max = 120): string {
  const text = Buffer.from(bytes.subarray(0, max)).toString('latin1').replace(/[^\x20-\x7e]/g, '?');
  return bytes.byteLength > max ? `${text}...` : text;
}

/** Pushes one chunk and every follow-up the handshake asks for; returns the bytes to send and the last step. */
export function drive(handshake: ProxyHandshake, chunk: Uint8Array): { send: Uint8Array[]; step: HandshakeStep } {
  const send: Uint8Array[] = [];
  let step = handshake.push(chunk);
  while (step.state === 'continue' && step.send !== undefined) {
    send.push(step.send);
    step = handshake.push(new Uint8Array(0));
  }
  return { send, step };
}
