/**
 * A simulated cluster for unit tests: replicas of one operator, each with its own MemberLoop +
 * Ownership, over an in-memory Lease store (compare-and-swap on a resourceVersion counter, like
 * the API server) and a fake clock. After every step the invariant is checked: no job is owned by
 * two replicas at the same moment.
 */
import type { MemberLease } from '../../src/cluster/member-lease.ts';
import type { MemberLeaseApi, MemberLeaseWrite } from '../../src/cluster/member-lease-client.ts';
import { MemberLoop, type OwnershipChangeReason } from '../../src/cluster/member-loop.ts';
import { Ownership } from '../../src/cluster/ownership.ts';
import { LeaseConflictError } from '../../src/kube/lease-client.ts';
import { type Logger, silentLogger } from '../../src/log/logger.ts';
import type { Clock } from '../../src/util/clock.ts';
import { FakeClock } from './fake-clock.ts';

export const TIMING = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  joinDelayMs: 15_000,
  maxLeaseDurationMs: 60_000,
};
export const RETRY_MS = 2_000;
export const JOBS = Array.from({ length: 300 }, (_, i) => `job-uid-${i}`);

/** The API server's Leases. `down` holds the identities whose calls fail (a partition). */
export class FakeLeaseStore {
  readonly leases = new Map<string, MemberLease>();
  readonly down = new Set<string>();
  /** Per identity: how long each call takes; the server reads or writes at its END. */
  readonly latency = new Map<string, number>();
  private rv = 0;

  constructor(private readonly clock: FakeClock) {}

  api(identity: string): MemberLeaseApi {
    const check = async () => {
      const ms = this.latency.get(identity) ?? 0;
      if (ms > 0) await new Promise((r) => this.clock.setTimeout(() => r(undefined), ms));
      if (this.down.has(identity)) throw new Error('connection refused');
    };
    return {
      list: async () => {
        await check();
        return [...this.leases.values()].map((l) => ({ ...l }));
      },
      create: async (w) => {
        await check();
        if (this.leases.has(w.name)) throw new LeaseConflictError();
        return this.put(w);
      },
      replace: async (w, rv) => {
        await check();
        if (this.leases.get(w.name)?.resourceVersion !== rv) throw new LeaseConflictError();
        return this.put(w);
      },
    };
  }

  /** A hand edit (kubectl edit): any fields, a new resourceVersion. */
  edit(name: string, change: Partial<MemberLease>): void {
    const l = this.leases.get(name)!;
    this.leases.set(name, { ...l, ...change, resourceVersion: String(++this.rv) });
  }

  private put(w: MemberLeaseWrite): MemberLease {
    const lease: MemberLease = {
      name: w.name,
      resourceVersion: String(++this.rv),
      holder: w.holder,
      node: w.node,
      durationSeconds: w.durationSeconds,
      releasedBy: w.releasedBy,
      acquireTimeMs: w.acquireTimeMs,
      leaseTransitions: w.leaseTransitions,
      weight: w.weight,
    };
    this.leases.set(w.name, lease);
    return { ...lease };
  }
}

/** A replica's clock: the shared fake time plus a fixed skew (timers are relative, unaffected). */
export function skewed(clock: FakeClock, skewMs: number): Clock {
  return {
    now: () => clock.now() + skewMs,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (h) => clock.clearTimeout(h),
  };
}

export function recordingLogger(lines: string[]): Logger {
  const logger = silentLogger();
  for (const level of ['info', 'warn', 'error'] as const) {
    (logger as unknown as Record<string, unknown>)[level] = (_fields: unknown, msg: string) =>
      lines.push(msg);
  }
  return logger;
}

export interface Replica {
  name: string;
  identity: string;
  ownership: Ownership;
  loop: MemberLoop;
  clock: Clock;
  logs: string[];
  changes: number;
}

export class Cluster {
  readonly clock = new FakeClock();
  readonly store = new FakeLeaseStore(this.clock);
  readonly replicas: Replica[] = [];
  violations: string[] = [];

  /** `onChange`: what the replica's controller does when what it may start changed (the manager's part). */
  add(
    node: string,
    identity = `${node}_1`,
    skewMs = 0,
    weight = 1,
    onChange?: (why: OwnershipChangeReason, replica: Replica) => void,
  ): Replica {
    const clock = skewed(this.clock, skewMs);
    const ownership = new Ownership(node, TIMING, weight);
    const logs: string[] = [];
    const replica: Replica = { name: node, identity, ownership, clock, logs, changes: 0, loop: undefined! };
    replica.loop = new MemberLoop({
      api: this.store.api(identity),
      ownership,
      identity,
      leaseDurationSeconds: TIMING.leaseDurationMs / 1000,
      retryPeriodMs: RETRY_MS,
      clock,
      logger: recordingLogger(logs),
      onChange: (why) => {
        replica.changes++;
        onChange?.(why, replica);
      },
    });
    this.replicas.push(replica);
    replica.loop.start();
    return replica;
  }

  /** Owners of each job now (by replica identity). */
  owners(): Map<string, string[]> {
    const owners = new Map<string, string[]>();
    for (const job of JOBS) {
      owners.set(
        job,
        this.replicas.filter((r) => r.ownership.owns(job, undefined, r.clock.now())).map((r) => r.identity),
      );
    }
    return owners;
  }

  /** Advance in steps; after each, check that no job has two owners. */
  async run(ms: number, step = 250): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.clock.advance(step);
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      for (const [job, who] of this.owners()) {
        if (who.length > 1) this.violations.push(`${this.clock.now()}: ${job} owned by ${who.join(', ')}`);
      }
    }
  }

  share(r: Replica): number {
    return JOBS.filter((j) => r.ownership.owns(j, undefined, r.clock.now())).length;
  }

  unowned(): number {
    return [...this.owners().values()].filter((w) => w.length === 0).length;
  }
}
