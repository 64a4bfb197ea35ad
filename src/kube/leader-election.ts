/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go's `leaderelection`:
 * - a candidate takes the lease when it is free, or when its holder has not renewed it for
 *   `leaseDuration` as measured on THIS replica's clock from when it last saw the record change
 *   (never by comparing timestamps written by another machine: clock skew is harmless);
 * - the leader renews every `retryPeriod`; if it has not renewed for `renewDeadline` it stops
 *   leading (a timer enforces this even while a call hangs), before anyone else may take over
 *   (renewDeadline < leaseDuration);
 * - writes are compare-and-swap on resourceVersion, so two candidates never both win;
 * - `stop()` releases a held lease (holder cleared) so a standby takes over at once.
 *
 * Defaults: 15 s lease, 10 s renew deadline, 2 s retry. Time comes from the injected Clock.
 * Out: `isLeader`, `leader` (last observed holder), callbacks on start/stop of leadership.
 */

import type { Logger } from '../log/logger.ts';
import type { ControllerMetrics } from '../metrics/controller-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { describeError } from './api-errors.ts';
import type { LeaseClient, LeaseRecord, ObservedLease } from './lease-client.ts';

export interface LeaderElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEADER_ELECTION_TIMING: LeaderElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export interface LeaderElectorOptions {
  client: LeaseClient;
  identity: string;
  /** The lease name (metrics label). */
  name: string;
  clock: Clock;
  logger: Logger;
  metrics?: ControllerMetrics;
  timing?: Partial<LeaderElectionTiming>;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string | undefined) => void;
}

export class InvalidLeaderElectionTimingError extends Error {
  readonly reason = 'InvalidLeaderElectionTiming';
}

export class LeaderElector {
  private readonly timing: LeaderElectionTiming;
  private leading = false;
  private attempted = false;
  private running = false;
  private observed: ObservedLease | undefined;
  /** Local time at which `observed` last changed. */
  private observedAt = 0;
  private lastRenewAt = 0;
  private tickTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private lastLeader: string | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.timing = { ...DEFAULT_LEADER_ELECTION_TIMING, ...opts.timing };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.timing;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) {
      throw new InvalidLeaderElectionTimingError(
        'leader election needs leaseDuration > renewDeadline > retryPeriod > 0',
      );
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** True once the first attempt to acquire finished (leader or not). */
  get stateKnown(): boolean {
    return this.attempted;
  }

  /** The holder this replica last saw (itself when leading). */
  get leader(): string | undefined {
    return this.observed?.record.holderIdentity || undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setMetric();
    this.tick();
  }

  /** Stop campaigning; release the lease if held. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimers();
    await this.inFlight?.catch(() => undefined);
    if (this.leading) {
      this.stepDown('stopping');
      await this.release();
    }
  }

  private tick = (): void => {
    this.tickTimer = undefined;
    if (!this.running) return;
    this.inFlight = this.tryAcquireOrRenew()
      .catch((error: unknown) => {
        this.opts.logger.warn({ lease: this.opts.name, error: describeError(error) }, 'lease attempt failed');
      })
      .finally(() => {
        this.inFlight = undefined;
        this.attempted = true;
        if (this.running) this.tickTimer = this.opts.clock.setTimeout(this.tick, this.timing.retryPeriodMs);
      });
  };

  private async tryAcquireOrRenew(): Promise<void> {
    const { client, identity, clock } = this.opts;
    const current = await client.get();
    const now = clock.now();
    if (!current) {
      const record: LeaseRecord = this.newRecord(now, now, 0);
      this.observe(await client.create(record), clock.now());
      this.renewed(clock.now());
      return;
    }
    this.observe(current, now);
    const holder = current.record.holderIdentity;
    const heldByOther = !!holder && holder !== identity;
    if (heldByOther && this.observedAt + this.leaseDurationOf(current.record) > now) {
      if (this.leading) this.stepDown('another replica holds the lease');
      return;
    }
    const mine = holder === identity;
    const record = this.newRecord(
      mine ? (current.record.acquireTime ?? now) : now,
      now,
      (current.record.leaseTransitions ?? 0) + (mine ? 0 : 1),
    );
    try {
      this.observe(await client.update(record, current.resourceVersion), clock.now());
      this.renewed(clock.now());
    } catch (error) {
      if (this.leading && clock.now() - this.lastRenewAt >= this.timing.renewDeadlineMs) {
        this.stepDown('renew deadline passed');
      }
      throw error;
    }
  }

  private newRecord(acquireTime: number, renewTime: number, leaseTransitions: number): LeaseRecord {
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.timing.leaseDurationMs / 1000),
      acquireTime,
      renewTime,
      leaseTransitions,
    };
  }

  private leaseDurationOf(record: LeaseRecord): number {
    return record.leaseDurationSeconds !== undefined
      ? record.leaseDurationSeconds * 1000
      : this.timing.leaseDurationMs;
  }

  private observe(lease: ObservedLease, now: number): void {
    const before = this.observed?.record;
    const after = lease.record;
    if (!before || before.holderIdentity !== after.holderIdentity || before.renewTime !== after.renewTime) {
      this.observedAt = now;
    }
    this.observed = lease;
    const leader = after.holderIdentity || undefined;
    if (leader !== this.lastLeader) {
      this.lastLeader = leader;
      this.opts.onNewLeader?.(leader);
    }
  }

  private renewed(now: number): void {
    this.lastRenewAt = now;
    if (!this.running) return;
    if (!this.leading) {
      this.leading = true;
      this.setMetric();
      this.opts.logger.info({ lease: this.opts.name, identity: this.opts.identity }, 'became leader');
      this.opts.onStartedLeading?.();
    }
    if (this.deadlineTimer !== undefined) this.opts.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = this.opts.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      if (this.leading && this.opts.clock.now() - this.lastRenewAt >= this.timing.renewDeadlineMs) {
        this.stepDown('renew deadline passed');
      }
    }, this.timing.renewDeadlineMs);
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.deadlineTimer !== undefined) this.opts.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.setMetric();
    this.opts.logger.warn({ lease: this.opts.name, identity: this.opts.identity, why }, 'stopped leading');
    this.opts.onStoppedLeading?.();
  }

  private async release(): Promise<void> {
    const lease = this.observed;
    if (!lease || lease.record.holderIdentity !== this.opts.identity) return;
    const now = this.opts.clock.now();
    try {
      await this.opts.client.update(
        { ...lease.record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now },
        lease.resourceVersion,
      );
      this.opts.logger.info({ lease: this.opts.name }, 'lease released');
    } catch (error) {
      this.opts.logger.warn({ lease: this.opts.name, error: describeError(error) }, 'lease not released');
    }
  }

  private clearTimers(): void {
    if (this.tickTimer !== undefined) this.opts.clock.clearTimeout(this.tickTimer);
    if (this.deadlineTimer !== undefined) this.opts.clock.clearTimeout(this.deadlineTimer);
    this.tickTimer = undefined;
    this.deadlineTimer = undefined;
  }

  private setMetric(): void {
    this.opts.metrics?.leaderStatus.set({ name: this.opts.name }, this.leading ? 1 : 0);
  }
}
