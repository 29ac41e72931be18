import { describe, expect, it } from 'vitest';
import { poolKey } from '../../src/transport/pool-key.js';

describe('poolKey', () => {
  const base = { host: 'smtp.example.com', port: 587, security: 'starttls', user: 'u', secret: 'hunter2-secret' };

  it('is the same for the same identity and differs when any part differs', () => {
    expect(poolKey(base)).toBe(poolKey({ ...base }));
    for (const change of [{ host: 'other.example.com' }, { port: 465 }, { security: 'tls' }, { user: 'v' }, { secret: 'other' }, { secret: undefined }]) {
      expect(poolKey({ ...base, ...change })).not.toBe(poolKey(base));
    }
  });

  it('never contains the secret or its base64', () => {
    const key = poolKey(base);
    expect(key).not.toContain('hunter2');
    expect(key).not.toContain(Buffer.from('hunter2-secret').toString('base64'));
  });
});
