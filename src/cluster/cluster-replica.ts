/**
 * This replica as a member of the operator's cluster: the one object the controller manager
 * holds in cluster mode. It owns the Ownership core and the member-Lease loop, and answers the
 * controller's questions:
 * - `owns(uid, placementNode)`: may this replica start this job NOW (placement, rendezvous over
 *   the live set, fencing by time) — asked by reconcile and again by the dispatcher before every
 *   start, so a change of membership takes effect at once, not when the queue gets to it;
 * - `takeOn(state, host)`: a job just became this replica's: scheduled times up to the handover
 *   fence are marked acted on (never started twice), the status names this node as owner, runs
 *   left in progress on a lost node are recorded Unknown, and a Warning event says the owner
 *   was lost.
 * Never: starts runs itself, or decides anything from another machine's timestamps.
 */
import type { ActiveRun, RunRecord, ScheduledDockerJobStatus } from '../api/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { ClusterMetrics } from '../metrics/cluster-metrics.ts';
import type { Clock } from '../util/clock.ts';
import type { MemberLeaseApi } from './member-lease-client.ts';
import { MemberLoop, type OwnershipChangeReason } from './member-loop.ts';
import { Ownership, type OwnershipTiming } from './ownership.ts';
import { planTakeover } from './takeover.ts';

export interface ClusterTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  joinDelayMs: number;
  maxLeaseDurationMs: number;
}

/** Derived from one lease duration, as leader election's defaults are (15 s / 10 s / 2 s). */
export function clusterTiming(leaseDurationMs: number): ClusterTiming {
  return {
    leaseDurationMs,
    renewDeadlineMs: Math.round((leaseDurationMs * 2) / 3),
    retryPeriodMs: Math.max(100, Math.round(leaseDurationMs / 7.5)),
    joinDelayMs: leaseDurationMs,
    maxLeaseDurationMs: Math.max(leaseDurationMs, 300_000),
  };
}

/** What takeOn needs of a job's state (src/controller/job-state.ts). */
export interface TakenJob {
  readonly uid: string;
  readonly key: string;
  status: ScheduledDockerJobStatus;
  readonly active: ReadonlyMap<string, unknown>;
  claim(scheduledMs: number): boolean;
}

/** What takeOn asks of the controller (which owns the status and its history rules). */
export interface TakeOnHost {
  setOwner(node: string): void;
  /** File runs that will never be seen to end as finished (Unknown), keep the rest active. */
  recordLostRuns(records: RunRecord[], keep: ActiveRun[]): void;
  warn(reason: string, message: string): void;
}

export interface ClusterReplicaOptions {
  api: MemberLeaseApi;
  node: string;
  identity: string;
  timing: ClusterTiming;
  /** This replica's weight (default 1). */
  weight?: number;
  clock: Clock;
  logger: Logger;
  metrics?: ClusterMetrics;
  onChange: (why: OwnershipChangeReason) => void;
}

export class ClusterReplica {
  readonly ownership: Ownership;
  private readonly loop: MemberLoop;

  constructor(private readonly opts: ClusterReplicaOptions) {
    const timing: OwnershipTiming = opts.timing;
    this.ownership = new Ownership(opts.node, timing, opts.weight ?? 1);
    this.loop = new MemberLoop({
      api: opts.api,
      ownership: this.ownership,
      identity: opts.identity,
      leaseDurationSeconds: Math.ceil(opts.timing.leaseDurationMs / 1000),
      retryPeriodMs: opts.timing.retryPeriodMs,
      clock: opts.clock,
      logger: opts.logger,
      metrics: opts.metrics,
      onChange: (why) => opts.onChange(why),
    });
  }

  get node(): string {
    return this.opts.node;
  }

  get stateKnown(): boolean {
    return this.loop.stateKnown;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  owns(uid: string, placementNode: string | undefined): boolean {
    return this.ownership.owns(uid, placementNode, this.opts.clock.now());
  }

  /** A job was deleted (its remembered owner is dropped). */
  forgetJob(uid: string): void {
    this.ownership.forgetJob(uid);
  }

  mayRun(): boolean {
    return this.ownership.mayRun(this.opts.clock.now());
  }

  takeOn(state: TakenJob, host: TakeOnHost): void {
    const now = this.opts.clock.now();
    const fence = this.ownership.handoverFence(now);
    if (fence !== undefined) state.claim(fence);
    const plan = planTakeover({
      status: state.status,
      node: this.opts.node,
      isLive: (n) => this.ownership.isLive(n),
      following: new Set(state.active.keys()),
      nowMs: now,
    });
    if (plan.ownerChanged) host.setOwner(this.opts.node);
    if (plan.unknownRuns.length > 0) host.recordLostRuns(plan.unknownRuns, plan.keep);
    if (plan.previousOwner !== undefined) {
      this.opts.metrics?.jobsTakenOver.inc({ reason: plan.ownerLost ? 'owner_lost' : 'rebalanced' });
    }
    if (plan.unknownRuns.length > 0) this.opts.metrics?.runsReportedUnknown.inc(plan.unknownRuns.length);
    if (plan.ownerLost) {
      const unknown = plan.unknownRuns.length;
      host.warn(
        'OwnerLost',
        `The replica on node ${plan.previousOwner} stopped renewing its Lease; the job is now scheduled by node ${this.opts.node}` +
          (unknown > 0 ? ` (${unknown} run(s) in progress there recorded as Unknown)` : ''),
      );
      this.opts.logger.warn(
        { job: state.key, from: plan.previousOwner, to: this.opts.node, unknownRuns: unknown, fence },
        'job taken over from a lost replica',
      );
    }
  }
}
