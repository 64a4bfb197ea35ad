/**
 * The operator's security policy for what a job may ask of the daemon. Everything risky is denied
 * by default: privileged containers and execs, the host network, the host PID namespace, and bind
 * mounts (unless under an allowed host prefix). Checked before any Docker call.
 */
import path from 'node:path';
import type { ScheduledDockerJobSpec } from '../api/schema.ts';

export interface SecurityPolicy {
  allowPrivileged: boolean;
  allowHostNetwork: boolean;
  allowHostPid: boolean;
  /** Absolute host paths under which bind mounts are allowed (none by default). */
  allowedBindPrefixes: string[];
}

export const DEFAULT_POLICY: SecurityPolicy = Object.freeze({
  allowPrivileged: false,
  allowHostNetwork: false,
  allowHostPid: false,
  allowedBindPrefixes: [],
});

export interface PolicyViolation {
  /** Field path in the job, e.g. spec.run.volumes[0].source. */
  field: string;
  /** CamelCase reason. */
  reason: string;
  message: string;
}

/** The first violation of the policy by the spec, or undefined when it is allowed. */
export function checkPolicy(
  spec: ScheduledDockerJobSpec,
  policy: SecurityPolicy,
): PolicyViolation | undefined {
  const run = spec.run;
  if (run) {
    if (run.privileged && !policy.allowPrivileged) {
      return deny('spec.run.privileged', 'PrivilegedNotAllowed', 'privileged containers are not allowed');
    }
    if (run.network === 'host' && !policy.allowHostNetwork) {
      return deny('spec.run.network', 'HostNetworkNotAllowed', 'the host network is not allowed');
    }
    const volumes = run.volumes ?? [];
    for (let i = 0; i < volumes.length; i++) {
      const v = volumes[i]!;
      if (v.type !== 'bind') continue;
      if (!bindAllowed(v.source, policy.allowedBindPrefixes)) {
        const allowed = policy.allowedBindPrefixes.length
          ? `allowed prefixes: ${policy.allowedBindPrefixes.join(', ')}`
          : 'no bind mounts are allowed';
        return deny(
          `spec.run.volumes[${i}].source`,
          'BindMountNotAllowed',
          `bind mount of "${v.source}" is not allowed (${allowed})`,
        );
      }
    }
  }
  const exec = spec.exec;
  if (exec?.privileged && !policy.allowPrivileged) {
    return deny('spec.exec.privileged', 'PrivilegedNotAllowed', 'privileged execs are not allowed');
  }
  return undefined;
}

/** Whether `source` is an absolute, normalized path under one of the prefixes (on a path boundary). */
export function bindAllowed(source: string, prefixes: readonly string[]): boolean {
  if (!path.isAbsolute(source)) return false;
  // Refuse '..' outright rather than trusting normalization to say what the daemon will mount.
  if (source.split('/').includes('..')) return false;
  const normalized = path.posix.normalize(source);
  return prefixes.some((p) => {
    const prefix = path.posix.normalize(p).replace(/\/+$/, '');
    if (prefix === '') return true; // "/" allows everything: an explicit choice of the operator
    return normalized === prefix || normalized.startsWith(`${prefix}/`);
  });
}

function deny(field: string, reason: string, what: string): PolicyViolation {
  return { field, reason, message: `${field}: ${what} by the operator's security policy` };
}
