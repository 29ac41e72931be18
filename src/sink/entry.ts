/**
 * startSink() as the package's entry point exports it: the capture server's code is loaded on the first
 * call, not by every application that imports mailwire to send mail.
 */
import type { SinkOptions, SinkServer } from './types.js';

/**
 * Start the capture server; resolves once it is listening (see `.port` / `.url`).
 *
 * @example
 * ```ts
 * const sink = await startSink({ port: 0 });
 * const transport = createTransport({ host: sink.host, port: sink.port, security: 'none' });
 * await transport.send({ from: 'a@example.com', to: 'b@example.com', text: 'hi' });
 * await sink.close();
 * ```
 */
export async function startSink(options?: SinkOptions): Promise<SinkServer> {
  const { startSink: start } = await import('./server.js');
  return start(options);
}
