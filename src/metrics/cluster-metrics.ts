/**
 * Cluster-mode metrics: replica membership through member Leases and job ownership. Every label
 * is a closed enum (phase, change kind, problem, reason): no node names, no job names.
 * Defined on the Registry passed in (never the global one).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type MemberPhaseLabel = 'Standby' | 'Joining' | 'Active';
export type MembershipChangeLabel = 'joined' | 'expired' | 'released';
export type TakeoverReason = 'owner_lost' | 'rebalanced';

export class ClusterMetrics {
  readonly members: Gauge;
  readonly phase: Gauge<'phase'>;
  readonly membershipChanges: Counter<'change'>;
  readonly leaseTickFailures: Counter;
  readonly rejectedLeases: Counter<'problem'>;
  readonly ownedJobs: Gauge;
  readonly jobsTakenOver: Counter<'reason'>;
  readonly runsReportedUnknown: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.members = new Gauge({
      name: 'ofelia_cluster_members',
      help: 'Live replicas (unexpired member Leases) as this replica sees them, itself included.',
      registers,
    });
    this.phase = new Gauge({
      name: 'ofelia_cluster_member_phase',
      help: 'This replica’s phase: 1 for the current one of Standby, Joining, Active.',
      labelNames: ['phase'] as const,
      registers,
    });
    this.membershipChanges = new Counter({
      name: 'ofelia_cluster_membership_changes_total',
      help: 'Replicas seen joining, expiring (Lease not renewed), releasing their Lease, or with a lower weight.',
      labelNames: ['change'] as const,
      registers,
    });
    this.leaseTickFailures = new Counter({
      name: 'ofelia_cluster_lease_tick_failures_total',
      help: 'Member Lease list or renewal attempts that failed.',
      registers,
    });
    this.rejectedLeases = new Counter({
      name: 'ofelia_cluster_rejected_leases_total',
      help: 'Listed member Leases that are not valid members (hand-made or hand-edited), per observation.',
      labelNames: ['problem'] as const,
      registers,
    });
    this.ownedJobs = new Gauge({
      name: 'ofelia_cluster_owned_jobs',
      help: 'Jobs this replica owns now.',
      registers,
    });
    this.jobsTakenOver = new Counter({
      name: 'ofelia_cluster_jobs_taken_over_total',
      help: 'Jobs this replica took on from another: its owner was lost, or membership changed.',
      labelNames: ['reason'] as const,
      registers,
    });
    this.runsReportedUnknown = new Counter({
      name: 'ofelia_cluster_runs_unknown_total',
      help: 'Runs in progress on a lost replica’s node, recorded with result Unknown.',
      registers,
    });
    for (const p of ['Standby', 'Joining', 'Active'] as const)
      this.phase.set({ phase: p }, p === 'Standby' ? 1 : 0);
  }

  setPhase(phase: MemberPhaseLabel): void {
    for (const p of ['Standby', 'Joining', 'Active'] as const)
      this.phase.set({ phase: p }, p === phase ? 1 : 0);
  }
}
