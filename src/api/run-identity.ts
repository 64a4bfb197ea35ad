/**
 * Run identity: a run is (job uid, scheduled time, attempt). Its name and its container name are
 * derived from that, never random, so that a second attempt to start the same run (a restart in the
 * middle of a run, two replicas racing) finds the existing container ("already exists" is a normal
 * case) instead of starting a duplicate.
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
} as const;
export const MANAGED_BY_VALUE = 'ofelia-operator';

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

/**
 * Docker container name for a run. Includes the namespace and a short digest of the job uid, so a
 * job deleted and re-created under the same name never collides with a leftover container.
 * Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*.
 */
export function containerName(id: RunIdentity): string {
  const uid = createHash('sha256').update(id.jobUid).digest('hex').slice(0, 8);
  return `ofelia_${id.namespace}_${runName(id)}_${uid}`;
}

/** The labels that identify a run's container. */
export function runLabels(id: RunIdentity, trigger: string): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY_VALUE,
    [LABELS.namespace]: id.namespace,
    [LABELS.job]: id.jobName,
    [LABELS.jobUid]: id.jobUid,
    [LABELS.run]: runName(id),
    [LABELS.scheduledTime]: new Date(id.scheduledTime).toISOString(),
    [LABELS.attempt]: String(id.attempt),
    [LABELS.trigger]: trigger,
  };
}
