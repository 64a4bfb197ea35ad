/**
 * Policy additions for the job options carried over from Ofelia, kept apart from policy/ (its
 * rules are functions of the spec and looked-up facts; these two need other inputs): local jobs
 * and `run.volumesFrom`. JobRunner applies them next to the policy's decision.
 *
 * - `spec.local` runs a program on the operator's host: refused unless the operator was started
 *   with --allow-local-jobs (off by default), whatever the policy level. Pure.
 * - `run.volumesFrom` mounts another container's volumes, bind mounts included: allowed when every
 *   bind mount of each source would itself pass the bind allow-list (a read-write one needs a
 *   read-write prefix unless the job mounts them `:ro`), so it is no way around the bind rule.
 *   Pure over the source containers' mounts, which the caller inspects.
 */
import type { ScheduledDockerJobSpec } from '../api/schema.ts';
import type { SecurityPolicy } from './policy/index.ts';

export interface HostAccessPolicy {
  /** --allow-local-jobs: local jobs may run (host access). */
  allowLocalJobs: boolean;
}

export const DEFAULT_HOST_ACCESS_POLICY: HostAccessPolicy = Object.freeze({ allowLocalJobs: false });

export interface HostAccessDenial {
  field: string;
  reason: string;
  message: string;
}

export function checkHostAccess(
  spec: ScheduledDockerJobSpec,
  policy: HostAccessPolicy,
): HostAccessDenial | undefined {
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
  RW?: boolean;
}

/** The first bind mount of a volumesFrom source that the allow-list refuses, as a denial. */
export function checkVolumesFromMounts(
  index: number,
  container: string,
  mounts: readonly SourceMount[],
  mountedReadOnly: boolean,
  policy: Pick<SecurityPolicy, 'allowedBindPrefixes' | 'allowedBindPrefixesReadWrite'>,
  bindAllowed: (source: string, prefixes: readonly string[]) => boolean,
): HostAccessDenial | undefined {
  const field = `spec.run.volumesFrom[${index}]`;
  for (const m of mounts) {
    if (m.Type !== 'bind' || m.Source === undefined) continue;
    const writable = m.RW !== false && !mountedReadOnly;
    const prefixes = writable
      ? policy.allowedBindPrefixesReadWrite
      : [...policy.allowedBindPrefixesReadWrite, ...policy.allowedBindPrefixes];
    if (bindAllowed(m.Source, prefixes)) continue;
    return {
      field,
      reason: 'BindMountNotAllowed',
      message: `${field}: container ${container} has a ${writable ? 'writable ' : ''}bind mount of "${m.Source}", which is not allowed by the operator's security policy`,
    };
  }
  return undefined;
}
