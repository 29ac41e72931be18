/** Every check on user input, before a byte is written. Pure functions that throw SmtpError('EGUARD'). */
export { assertNoControls, assertHeaderName, assertHeaderValue, assertString, findControl, printable } from './text.js';
export { RESERVED_HEADERS, assertCustomHeaders } from './headers.js';
export type { HeaderInput } from './headers.js';
export { DEFAULT_GUARD_LIMITS, resolveLimits, assertSubject, assertBodySize, assertMessageSize } from './limits.js';
export type { GuardLimits, ResolvedLimits } from './limits.js';
export { assertEnvelopeAddress, normalizeAddress, normalizeDomain } from './address.js';
export type { AddressGuardOptions, NormalizedAddress } from './address.js';
export { normalizeMessageId, normalizeMessageIdList, assertDsn } from './ids.js';
export type { DsnOptions, DsnNotify } from './ids.js';
export { checkDestination, resolvePinned, systemResolver, assertHost, assertPort } from './destination.js';
export type { Resolver, ResolvedAddress, DestinationPolicy } from './destination.js';
export { isPublicAddress, parseIPv6 } from './ip.js';
