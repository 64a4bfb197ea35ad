/**
 * The operator's security policy configuration: a level modelled on Kubernetes Pod Security
 * Standards plus per-rule allowances. The level sets what every job gets; an allowance loosens one
 * rule for every job (it is an operator decision, never a job's). Plain data, no behaviour.
 */

/** `privileged`: unrestricted; `baseline` (default): no known escalation; `restricted`: hardened. */
export const POLICY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PolicyLevel = (typeof POLICY_LEVELS)[number];

export interface SecurityPolicy {
  level: PolicyLevel;
  /** Jobs may ask for privileged containers and execs. */
  allowPrivileged: boolean;
  /** Jobs may use network: host (directly, or through a container they may join). */
  allowHostNetwork: boolean;
  /** Jobs may set hostPID. */
  allowHostPid: boolean;
  /** Absolute host paths under which read-only bind mounts are allowed. */
  allowedBindPrefixes: string[];
  /** Absolute host paths under which read-write bind mounts are allowed. */
  allowedBindPrefixesReadWrite: string[];
  /** User-defined networks jobs may join, by name (none and the daemon default always may). */
  allowedNetworks: string[];
  /** Named volumes any job may mount, besides its namespace's own (`<namespace>_*`); `*` wildcards. */
  allowedVolumes: string[];
  /**
   * Containers (by name; `*` wildcards) that any job may exec into or join the network of, without
   * the opt-in label.
   */
  allowedExecContainers: string[];
  /**
   * (Ofelia labels, src/labels) The --docker-labels namespace: a container labelled
   * `ofelia.enabled=true` opted in to exec and start jobs of this namespace, as it did for Ofelia.
   */
  ofeliaLabelsNamespace?: string;
}

export const DEFAULT_POLICY: Readonly<SecurityPolicy> = Object.freeze({
  level: 'baseline',
  allowPrivileged: false,
  allowHostNetwork: false,
  allowHostPid: false,
  allowedBindPrefixes: [],
  allowedBindPrefixesReadWrite: [],
  allowedNetworks: [],
  allowedVolumes: [],
  allowedExecContainers: [],
});

/** A policy from the defaults and the given fields (for callers that set a few of them). */
export function securityPolicy(fields: Partial<SecurityPolicy> = {}): SecurityPolicy {
  return { ...DEFAULT_POLICY, ...fields };
}

/**
 * The label a container carries to accept exec jobs (and jobs joining its network) from the
 * namespaces it names: comma-separated namespace names, or `*` for every namespace.
 */
export const EXEC_FROM_LABEL = 'ofelia.dev/exec-from';

/** Separator between a namespace and a volume name: never part of a namespace (a DNS label). */
export const VOLUME_NAMESPACE_SEPARATOR = '_';
