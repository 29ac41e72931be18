/** One type per concept: the shapes the public API takes for credentials, DSN and security modes. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AuthOptions, ConnectionOptions, DsnOptions, MailMessage, SendOptions, Security, TransportConfig } from '../src/index.js';
import { SECURITY_MODES } from '../src/index.js';
import { planEnvelope } from '../src/connection/envelope-plan.js';
import { parseCapabilities } from '../src/protocol/capabilities.js';
import { Transcript } from '../src/connection/transcript.js';
import { describeBody } from '../src/connection/body-source.js';
import { resolveConfig } from '../src/transport/config.js';

describe('one type per concept', () => {
  it('the message and the session take the same DsnOptions; the transport and the session the same AuthOptions', () => {
    expectTypeOf<NonNullable<MailMessage['dsn']>>().toEqualTypeOf<DsnOptions>();
    expectTypeOf<NonNullable<SendOptions['dsn']>>().toEqualTypeOf<DsnOptions>();
    expectTypeOf<NonNullable<TransportConfig['auth']>>().toEqualTypeOf<AuthOptions>();
    expectTypeOf<NonNullable<ConnectionOptions['auth']>>().toEqualTypeOf<AuthOptions>();
    expectTypeOf<Security>().toEqualTypeOf<(typeof SECURITY_MODES)[number]>();
  });

  it('the session writes NOTIFY from any shape a message may carry', () => {
    const caps = parseCapabilities({ code: 250, lines: ['mx.example', 'DSN'], message: 'mx.example\nDSN' });
    const plan = (dsn: DsnOptions) => planEnvelope({ from: 'a@example.com', to: ['b@example.com'] }, describeBody('x'), { dsn }, caps, new Transcript(undefined));
    expect(plan({ notify: 'success, failure' }).rcptLines[0]?.line).toContain('NOTIFY=SUCCESS,FAILURE');
    expect(plan({ notify: ['DELAY'] }).rcptLines[0]?.line).toContain('NOTIFY=DELAY');
    expect(plan({ notify: 'NEVER' }).rcptLines[0]?.line).toContain('NOTIFY=NEVER');
    expect(() => plan({ notify: ['NEVER', 'SUCCESS'] })).toThrow(/NEVER/);
  });

  it('the security modes are one list, used by the config check', () => {
    expect(SECURITY_MODES).toEqual(['starttls', 'tls', 'opportunistic', 'none']);
    for (const security of SECURITY_MODES) expect(resolveConfig({ host: 'localhost', security }).security).toBe(security);
    expect(() => resolveConfig({ host: 'localhost', security: 'ssl' as Security })).toThrow(/starttls, tls, opportunistic, none/);
  });
});
