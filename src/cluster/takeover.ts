/**
 * Taking on a job (pure): what its status says about the replica that had it, and what to write.
 *
 * In: the job's status as cached (written by its previous owner), this replica's node, which
 * nodes are live, which runs this replica follows already (adopted containers), `now`, the
 * history limits. Out: the status patch (owner = this node; runs in progress on a LOST node that
 * nobody here could adopt become records with result Unknown, reason ReplicaLost, and leave
 * `active`), and whether the previous owner was lost (for a Warning event).
 * Runs on a node that is still live are left alone: that replica follows them to their end.
 * Never starts anything: the scheduled times such runs had are covered by the handover fence,
 * so they are not started again.
 */
import type { ActiveRun, RunRecord, ScheduledDockerJobStatus } from '../api/schema.ts';

export interface TakeoverInput {
  status: ScheduledDockerJobStatus;
  node: string;
  isLive: (node: string) => boolean;
  /** Run names this replica follows already. */
  following: ReadonlySet<string>;
  nowMs: number;
}

export interface TakeoverPlan {
  /** The owner named in the status before, when it was another node. */
  previousOwner: string | undefined;
  /** That owner is not live: it died or left without handing over. */
  ownerLost: boolean;
  unknownRuns: RunRecord[];
  /** `status.active` without the unknown runs (meaningful when there are some). */
  keep: ActiveRun[];
  /** `status.owner` is not this node yet. */
  ownerChanged: boolean;
}

export function planTakeover(input: TakeoverInput): TakeoverPlan {
  const { status, node, isLive } = input;
  const previous = status.owner && status.owner !== node ? status.owner : undefined;
  const ownerLost = previous !== undefined && !isLive(previous);
  const keep: ActiveRun[] = [];
  const unknownRuns: RunRecord[] = [];
  for (const run of status.active ?? []) {
    // Entries written before runs carried a node belong to the previous owner.
    const ranOn = run.node ?? previous;
    if (input.following.has(run.name) || !ranOn || ranOn === node || isLive(ranOn)) {
      keep.push(run);
      continue;
    }
    const record: RunRecord = {
      name: run.name,
      scheduledTime: run.scheduledTime,
      result: 'Unknown',
      reason: 'ReplicaLost',
      message: `the replica on node ${ranOn} stopped renewing its Lease while this run was in progress; its outcome is unknown`,
      finishTime: new Date(input.nowMs).toISOString(),
      node: ranOn,
    };
    if (run.startTime) record.startTime = run.startTime;
    if (run.containerId) record.containerId = run.containerId;
    unknownRuns.push(record);
  }
  return {
    previousOwner: previous,
    ownerLost,
    unknownRuns,
    keep,
    ownerChanged: status.owner !== node,
  };
}
