/** The local SMTP capture sink: `startSink()` plus its types and the bundled (public!) test certificate. */
export { startSink } from './server.js';
export { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from './test-certificate.js';
export type { SinkOptions, SinkServer, SinkStats, SunkMessage } from './types.js';
