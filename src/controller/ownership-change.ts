/**
 * What the controller does when what this replica may start changed, in cluster mode (pure).
 *
 * In: why the member loop reported (members, active, inactive), whether this replica may start
 * anything now and whether it could at the previous report, the jobs it schedules (has state
 * for), every job known (the informer's list), and `owns`. Out: the jobs to release at once,
 * and what to reconcile: every job, after adopting leftovers first, when the replica has just
 * become able to start runs (whatever the reason reported: a promotion from Joining can arrive
 * in the same tick as a membership change, reported as `members`); otherwise only the jobs it
 * owns and does not schedule yet (gained) — about 1/N of them, not every job.
 * Never: keeps a job scheduled that this replica does not own now (released here, and the
 * dispatcher asks `owns` again before every start).
 */
import type { OwnershipChangeReason } from '../cluster/member-loop.ts';

export interface KnownJob {
  key: string;
  uid: string;
  placementNode: string | undefined;
}

export interface OwnershipChangeInput {
  why: OwnershipChangeReason;
  /** May this replica start anything now. */
  running: boolean;
  /** Could it at the previous report. */
  wasRunning: boolean;
  /** The jobs this replica schedules now (those with a state). */
  scheduled: Iterable<KnownJob>;
  /** Every job known. */
  jobs: Iterable<KnownJob>;
  owns: (uid: string, placementNode: string | undefined) => boolean;
}

export interface OwnershipChangePlan {
  /** Keys to stop scheduling here now. */
  release: string[];
  /** Adopt leftovers, then reconcile every job (`all`), or reconcile just these keys. */
  reconcile: 'all' | string[];
}

export function planOwnershipChange(input: OwnershipChangeInput): OwnershipChangePlan {
  const release: string[] = [];
  const kept = new Set<string>();
  for (const job of input.scheduled) {
    if (input.owns(job.uid, job.placementNode)) kept.add(job.key);
    else release.push(job.key);
  }
  if (input.why === 'active' || (input.running && !input.wasRunning)) return { release, reconcile: 'all' };
  const reconcile: string[] = [];
  if (input.running) {
    for (const job of input.jobs) {
      if (!kept.has(job.key) && input.owns(job.uid, job.placementNode)) reconcile.push(job.key);
    }
  }
  return { release, reconcile };
}
