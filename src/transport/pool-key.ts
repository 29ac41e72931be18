/**
 * Which connections may be shared: same host, port, security and user, and the same secret. The secret
 * enters only as a keyed hash (never the secret itself), so a key can be logged or compared safely, and two
 * configurations that differ only in their password never share a connection.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PoolIdentity {
  host: string;
  port: number;
  security: string;
  user?: string | undefined;
  secret?: string | undefined;
  /** The proxy (scheme://host:port) the connections go through, if any, and its credentials. */
  via?: string | undefined;
  viaSecret?: string | undefined;
}

// Per-process salt: fingerprints cannot be precomputed or compared across processes.
const SALT = randomBytes(16);

export function poolKey(id: PoolIdentity): string {
  const key = `${id.security}://${encodeURIComponent(id.user ?? '')}@${id.host}:${id.port}#${fingerprint(id.secret)}`;
  return id.via === undefined ? key : `${key} via ${id.via}#${fingerprint(id.viaSecret)}`;
}

function fingerprint(secret: string | undefined): string {
  return secret === undefined ? '-' : createHash('sha256').update(SALT).update(secret).digest('hex').slice(0, 16);
}
