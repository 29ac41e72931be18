/**
 * The commands of the model-based test (fast-check `commands`): sends (one or a burst, some with an
 * AbortSignal aborted at a random time), close(), server behaviour changes (faults, slow replies), servers
 * stopping, starting and restarting on the same port, and time passing. Sends do not wait for their
 * outcome: the run goes on while they are in flight, which is where the interleavings come from.
 */
import fc from 'fast-check';
import type { Behaviour, Extensions, Fault, Phase } from './model-server.js';
import { sleep, type ModelSystem, type RunConfig } from './model-system.js';

export interface Model {
  system: ModelSystem;
  /**
   * Keeps at most maxConnections sends outstanding, so no send ever waits in the pool's queue for a
   * connection that fails to open (the known pool bug of issue 14): lets a long run look for other bugs.
   */
  excludeDeadBurst: boolean;
}

type Cmd = fc.AsyncCommand<Model, ModelSystem>;

/**
 * How many sends may go now: all of them, or (dead-burst excluded) as many as keep the outstanding ones
 * within maxConnections, after waiting (bounded) for at least one place.
 */
async function room(m: Model, wanted: number): Promise<number> {
  if (!m.excludeDeadBurst) return wanted;
  const free = (): number => m.system.config.poolSize - m.system.unsettled().length;
  for (let waited = 0; free() <= 0 && waited < 3_000; waited += 5) await sleep(5);
  return Math.max(0, Math.min(wanted, free()));
}

class SendCommand implements Cmd {
  constructor(
    readonly lines: number,
    readonly abortAfterMs: number | undefined,
  ) {}
  /** A couple of sends after close() show they fail with ECLOSED; more would only fill the run. */
  check(m: Model): boolean {
    return m.system.sends.filter((s) => s.afterClose).length < 2;
  }
  async run(m: Model, r: ModelSystem): Promise<void> {
    if ((await room(m, 1)) === 0) return void r.trace.push(`${this.toString()}: no room, skipped`);
    r.trace.push(this.toString());
    r.send(this.abortAfterMs, this.lines);
  }
  toString(): string {
    return `send(${this.lines} lines${this.abortAfterMs === undefined ? '' : `, abort after ${this.abortAfterMs} ms`})`;
  }
}

class BurstCommand implements Cmd {
  constructor(readonly count: number) {}
  check(m: Model): boolean {
    return !m.system.closed;
  }
  async run(m: Model, r: ModelSystem): Promise<void> {
    const count = await room(m, this.count);
    r.trace.push(count === this.count ? this.toString() : `${this.toString()}: ${count} sent (room)`);
    for (let i = 0; i < count; i++) r.send(undefined, 2);
  }
  toString(): string {
    return `burst(${this.count})`;
  }
}

class CloseCommand implements Cmd {
  check(m: Model): boolean {
    return !m.system.closed;
  }
  async run(_m: Model, r: ModelSystem): Promise<void> {
    r.trace.push(this.toString());
    r.close();
  }
  toString(): string {
    return 'close()';
  }
}

class BehaveCommand implements Cmd {
  constructor(
    readonly server: 0 | 1,
    readonly behaviour: Behaviour,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: ModelSystem): Promise<void> {
    r.trace.push(this.toString());
    r.servers[this.server]?.set(this.behaviour);
  }
  toString(): string {
    const f = this.behaviour.fault;
    return `server${this.server}.behave(${f.kind}${'at' in f ? ` at ${f.at}` : ''}, delay ${this.behaviour.delayMs} ms)`;
  }
}

class PowerCommand implements Cmd {
  constructor(
    readonly server: 0 | 1,
    readonly action: 'stop' | 'start' | 'restart',
    readonly gapMs: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: ModelSystem): Promise<void> {
    r.trace.push(this.toString());
    const server = r.servers[this.server];
    if (!server) return;
    if (this.action !== 'start') await server.stop();
    if (this.action === 'restart') await sleep(this.gapMs);
    if (this.action !== 'stop') await server.start();
  }
  toString(): string {
    return `server${this.server}.${this.action}()${this.action === 'restart' ? ` after ${this.gapMs} ms` : ''}`;
  }
}

class WaitCommand implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: ModelSystem): Promise<void> {
    r.trace.push(this.toString());
    await sleep(this.ms);
  }
  toString(): string {
    return `wait(${this.ms} ms)`;
  }
}

const PHASES: Phase[] = ['greeting', 'ehlo', 'auth', 'mail', 'rcpt', 'data', 'dot'];

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Fault>({ kind: 'ok' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'accept-close' }) },
  { weight: 3, arbitrary: fc.constantFrom(...PHASES).map((at): Fault => ({ kind: '421', at })) },
  { weight: 2, arbitrary: fc.constantFrom(...PHASES).map((at): Fault => ({ kind: 'hang', at })) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'reset-before-dot' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'reset-at-dot' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'reset-after-dot' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'bad-password' }) },
);

/** Mostly prompt; sometimes slow, and sometimes slower than the client's timeouts. */
const delayArb = fc.constantFrom(0, 0, 0, 2, 10, 30, 150);
const serverArb = fc.constantFrom<0 | 1>(0, 0, 1);

const sendArb = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.option(fc.integer({ min: 0, max: 120 }), { freq: 3 }))
  .map(([lines, abort]) => new SendCommand(lines, abort ?? undefined));
const behaveArb = fc.tuple(serverArb, faultArb, delayArb).map(([server, fault, delayMs]) => new BehaveCommand(server, { fault, delayMs }));
const waitArb = fc.integer({ min: 0, max: 80 }).map((ms) => new WaitCommand(ms));

/** fc.commands picks among these evenly: repeats weigh them (many sends and waits, few close()). */
export const commandArbs: Array<fc.Arbitrary<Cmd>> = [
  sendArb,
  sendArb,
  sendArb,
  sendArb,
  fc.integer({ min: 2, max: 12 }).map((n) => new BurstCommand(n)),
  fc.constant(new CloseCommand()),
  behaveArb,
  behaveArb,
  fc.tuple(serverArb, fc.constantFrom<'stop' | 'start' | 'restart'>('stop', 'start', 'restart'), fc.integer({ min: 0, max: 50 })).map(([s, a, gap]) => new PowerCommand(s, a, gap)),
  waitArb,
  waitArb,
  waitArb,
];

const extensionsArb = fc.constantFrom<Extensions>('pipelining', 'chunking', 'lockstep');

export const configArb: fc.Arbitrary<RunConfig> = fc.record({
  poolSize: fc.constantFrom<1 | 2 | 5>(1, 2, 5),
  pipelineDepth: fc.constantFrom<1 | 2>(1, 2),
  maxMessagesPerConnection: fc.constantFrom(1, 3, 100),
  idleTimeoutMs: fc.constantFrom(20, 300, 30_000),
  timeoutMs: fc.integer({ min: 40, max: 100 }),
  attempts: fc.integer({ min: 1, max: 3 }),
  failover: fc.boolean(),
  extensions: fc.tuple(extensionsArb, extensionsArb),
});
