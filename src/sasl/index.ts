/** The SASL layer: mechanisms behind one interface, and the policy that picks one. */
export type { SaslCredentials, SaslMechanism } from './mechanism.js';
export { PlainMechanism } from './plain.js';
export { LoginMechanism } from './login.js';
export { CramMd5Mechanism } from './cram-md5.js';
export { XOAuth2Mechanism } from './xoauth2.js';
export { ScramSha256Mechanism, SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS } from './scram-sha-256.js';
export type { ScramOptions } from './scram-sha-256.js';
export { saslprep } from './saslprep.js';
export type { SaslprepResult } from './saslprep.js';
export { selectMechanism, createMechanism } from './select.js';
export type { AuthMethod, ExplicitAuthMethod, SelectOptions, MechanismOptions } from './select.js';
