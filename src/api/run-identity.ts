/**
 * Run identity: a run is (job uid, scheduled time, attempt). Its name and its container name are
 * derived from that, never random, so that a second attempt to start the same run (a restart in the
 * middle of a run, two replicas racing) finds the existing container ("already exists" is a normal
 * case) instead of starting a duplicate.
 *
 * Every container also carries the operator INSTANCE that owns it (a label, and a digest in the
 * name): operators sharing one Docker daemon but not one API server (two embedded instances on a
 * laptop, a dev operator next to a prod one) each adopt and clean up only their own containers.
 * Replicas that must take over each other's runs (a restart, a leadership hand-over) share one.
 */
import { createHash } from 'node:crypto';

/** Docker labels the operator puts on every container it creates. */
export const LABELS = {
  managedBy: 'ofelia.dev/managed-by',
  namespace: 'ofelia.dev/namespace',
  job: 'ofelia.dev/job',
  jobUid: 'ofelia.dev/job-uid',
  run: 'ofelia.dev/run',
  scheduledTime: 'ofelia.dev/scheduled-time',
  attempt: 'ofelia.dev/attempt',
  trigger: 'ofelia.dev/trigger',
  /** The operator instance that created the container and alone adopts or removes it. */
  instance: 'ofelia.dev/instance',
} as const;
export const MANAGED_BY_VALUE = 'ofelia-operator';

/** What an instance id may be: a valid label value and name part, short enough to read. */
export const INSTANCE_ID_PATTERN = /^[a-z0-9-]{1,40}$/;

/** The instance of `ofelia-operator run-once`: no operator ever adopts or removes its containers. */
export const RUN_ONCE_INSTANCE = 'run-once';

export interface RunIdentity {
  namespace: string;
  jobName: string;
  jobUid: string;
  /** Nominal time of the run, epoch milliseconds (for a manual run: the trigger time). */
  scheduledTime: number;
  /** 1 for the first attempt, 2.. for retries. */
  attempt: number;
}

/**
 * `<job>-<unix seconds>` (plus `-<attempt>` for retries): readable, sortable, unique per job and
 * scheduled second. Kubernetes CronJob uses unix minutes; seconds-level schedules need seconds.
 */
export function runName(id: Pick<RunIdentity, 'jobName' | 'scheduledTime' | 'attempt'>): string {
  const base = `${id.jobName}-${Math.floor(id.scheduledTime / 1000)}`;
  return id.attempt > 1 ? `${base}-${id.attempt}` : base;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);

/**
 * Docker container name for a run: `ofelia_<namespace>_<run>_<job uid digest>_<instance digest>`.
 * The job uid digest keeps a job deleted and re-created under the same name from colliding with a
 * leftover container; the instance digest keeps two operator instances on one daemon from
 * colliding (a collision would make one adopt the other's container as "already exists").
 * Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*.
 */
export function containerName(id: RunIdentity, instance: string): string {
  return `ofelia_${id.namespace}_${runName(id)}_${digest(id.jobUid)}_${digest(instance)}`;
}

/** The labels that identify a run's container and the operator instance that owns it. */
export function runLabels(id: RunIdentity, trigger: string, instance: string): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY_VALUE,
    [LABELS.instance]: instance,
    [LABELS.namespace]: id.namespace,
    [LABELS.job]: id.jobName,
    [LABELS.jobUid]: id.jobUid,
    [LABELS.run]: runName(id),
    [LABELS.scheduledTime]: new Date(id.scheduledTime).toISOString(),
    [LABELS.attempt]: String(id.attempt),
    [LABELS.trigger]: trigger,
  };
}
