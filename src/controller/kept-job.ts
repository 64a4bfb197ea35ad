/**
 * What the controller keeps of a valid job between reconciles (`JobState.job`): its validated
 * spec, defaults applied, and its labels. Nothing else of the object is read after the reconcile
 * that validated it — every reconcile reads metadata (generation, finalizers, deletion,
 * annotations) from the informer's current object, and the status this replica knows is
 * `JobState.status`. Keeping the whole validated object held, per job, its metadata (loose:
 * everything the API server stores there), its status as of the last reconcile and their parsed
 * strings: about 0.7 KB of heap per job at 2,000 jobs (docs/performance.md, fourth round).
 *
 * Who reads what: the dispatcher, adoption, result replay, placement and the run-status observer
 * read `spec`; the notifier controller matches its job selectors against `labels`
 * (api/notifier-applies.ts).
 */
import type { ScheduledDockerJob, ScheduledDockerJobSpec } from '../api/schema.ts';

export interface KeptJob {
  /** The validated spec (defaults applied). */
  readonly spec: ScheduledDockerJobSpec;
  /** `metadata.labels`, undefined when the job has none. */
  readonly labels: Readonly<Record<string, string>> | undefined;
}

/** The part of a validated job the controller keeps; shares its spec and labels, copies nothing. */
export function keepJob(job: ScheduledDockerJob): KeptJob {
  return { spec: job.spec, labels: job.metadata.labels };
}
