/**
 * Policy additions for the job options carried over from Ofelia, kept apart from policy.ts (which
 * evolves on its own): local jobs and `run.volumesFrom`.
 *
 * - `spec.local` runs a program on the operator's host: refused unless the operator was started
 *   with --allow-local-jobs (off by default). Pure.
 * - `run.volumesFrom` mounts another container's volumes, bind mounts included: allowed when every
 *   bind mount of each source container would itself pass the bind-mount allow-list, so it cannot
 *   be used to reach host paths the policy refuses. Needs the source containers' mounts (inspected
 *   by the caller).
 */
import type { ScheduledDockerJobSpec } from '../api/schema.ts';
import { bindAllowed, type PolicyViolation } from './policy.ts';

export interface HostAccessPolicy {
  /** --allow-local-jobs: local jobs may run (host access). */
  allowLocalJobs: boolean;
}

export const DEFAULT_HOST_ACCESS_POLICY: HostAccessPolicy = Object.freeze({ allowLocalJobs: false });

export function checkHostAccess(
  spec: ScheduledDockerJobSpec,
  policy: HostAccessPolicy,
): PolicyViolation | undefined {
  if (spec.local && !policy.allowLocalJobs) {
    return {
      field: 'spec.local',
      reason: 'LocalJobsNotAllowed',
      message:
        "spec.local: local jobs run on the operator's host and are not allowed by the operator's security policy (start it with --allow-local-jobs)",
    };
  }
  return undefined;
}

/** A mount of a volumesFrom source container, as `docker inspect` reports it. */
export interface SourceMount {
  Type?: string;
  Source?: string;
}

/** The first bind mount of a volumesFrom source that the allow-list refuses, as a violation. */
export function checkVolumesFromMounts(
  index: number,
  container: string,
  mounts: readonly SourceMount[],
  allowedBindPrefixes: readonly string[],
): PolicyViolation | undefined {
  for (const m of mounts) {
    if (m.Type !== 'bind' || m.Source === undefined) continue;
    if (bindAllowed(m.Source, allowedBindPrefixes)) continue;
    const field = `spec.run.volumesFrom[${index}]`;
    return {
      field,
      reason: 'BindMountNotAllowed',
      message: `${field}: container ${container} has a bind mount of "${m.Source}", which is not allowed by the operator's security policy`,
    };
  }
  return undefined;
}
