/**
 * A due run as it reaches the dispatcher: which scheduled time, why (trigger), which attempt,
 * and when it was due. Made by the reconciler (schedule, catch-up, manual), the retry policy and
 * the wheel; read by the dispatcher, the job state (a pending replacement) and the retry policy.
 */
import type { RunTrigger, ScheduledDockerJobStatus } from '../api/schema.ts';

/** One entry of status.upstreamRuns: an upstream job's finish a chain has acted on. */
export type UpstreamMarker = NonNullable<ScheduledDockerJobStatus['upstreamRuns']>[number];

export interface FireRequest {
  scheduledMs: number;
  trigger: RunTrigger;
  attempt: number;
  /** When it was due (scheduled time + jitter, or a retry's time): lag is measured from here. */
  dueMs: number;
  /** A Chained run: the upstream finish it stands for (recorded in status when it starts or is skipped). */
  chain?: UpstreamMarker;
}
