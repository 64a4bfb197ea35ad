/**
 * Admission of a due run: the policy decision the dispatcher takes once a time is claimed.
 *
 * In: whether the run is for a nominal time (Schedule, CatchUp), its scheduled time, now, the
 * job's `startingDeadlineSeconds` and `concurrencyPolicy`, and the job's runs (active, queued,
 * a Replace pending). Out: one `Admission`:
 * - `missed`: a nominal time that can no longer start within startingDeadlineSeconds;
 * - `skip`: Forbid while a run is active or queued (reason JobAlreadyActive);
 * - `replace`: Replace while runs are active: abort them, start this one once they ended;
 * - `supersede`: Replace while the active runs are still stopping for an earlier replacement: this
 *   newer time takes the pending one's place (which is skipped, reason Superseded);
 * - `start`: start it now or queue it for a slot (Allow, nothing active, or only queued runs).
 * Pure: never reads a clock, never changes the job. Manual and Retry runs have no deadline.
 * Chained runs have one, counted from the upstream finish (their scheduled time).
 */
import type { RunTrigger, ScheduledDockerJobSpec } from '../api/schema.ts';
import { isWithinStartingDeadline } from '../schedule/missed.ts';

export type Admission = 'start' | 'missed' | 'skip' | 'replace' | 'supersede';

export interface AdmissionInput {
  trigger: RunTrigger;
  scheduledMs: number;
  nowMs: number;
  startingDeadlineSeconds: ScheduledDockerJobSpec['startingDeadlineSeconds'];
  concurrencyPolicy: ScheduledDockerJobSpec['concurrencyPolicy'];
  /** Runs of the job holding a slot or stopping. */
  activeRuns: number;
  /** Runs of the job waiting for a slot, or for replaced runs to end. */
  queuedRuns: number;
  /** Replace: a run already waits for the replaced runs to end. */
  replacementPending: boolean;
}

/** Schedule and CatchUp runs stand for a nominal time: each runs at most once, within the deadline. */
export function isNominal(trigger: RunTrigger): boolean {
  return trigger === 'Schedule' || trigger === 'CatchUp';
}

/**
 * Whether a run for `scheduledMs` may still start at `nowMs`: nominal times and Chained runs (whose
 * scheduled time is the upstream finish) within startingDeadlineSeconds; Manual and Retry always.
 */
export function mayStillStart(
  trigger: RunTrigger,
  scheduledMs: number,
  nowMs: number,
  startingDeadlineSeconds: number | undefined,
): boolean {
  const hasDeadline = isNominal(trigger) || trigger === 'Chained';
  return !hasDeadline || isWithinStartingDeadline(scheduledMs, nowMs, startingDeadlineSeconds);
}

export function admit(input: AdmissionInput): Admission {
  if (!mayStillStart(input.trigger, input.scheduledMs, input.nowMs, input.startingDeadlineSeconds))
    return 'missed';
  const busy = input.activeRuns + input.queuedRuns > 0;
  if (busy && input.concurrencyPolicy === 'Forbid') return 'skip';
  if (busy && input.concurrencyPolicy === 'Replace' && input.activeRuns > 0)
    return input.replacementPending ? 'supersede' : 'replace';
  return 'start';
}
