/**
 * Whether a container accepts jobs of a namespace reaching into it (exec, or joining its network
 * namespace): its `ofelia.dev/exec-from` label names the namespace or `*`, or the operator allows
 * its name with --allow-exec-container. Pure.
 */
import { EXEC_FROM_LABEL, type SecurityPolicy } from '../config.ts';
import type { ContainerFacts } from '../facts.ts';
import { matchesAny } from '../patterns.ts';

export function containerOptedIn(target: ContainerFacts, namespace: string, policy: SecurityPolicy): boolean {
  if (matchesAny(target.name, policy.allowedExecContainers)) return true;
  const label = target.labels[EXEC_FROM_LABEL];
  if (label === undefined) return false;
  return label
    .split(',')
    .map((s) => s.trim())
    .some((ns) => ns === '*' || ns === namespace);
}

/** The hint a denial gives: what the container's owner or the operator can do. */
export function optInHint(target: ContainerFacts, namespace: string): string {
  return `container "${target.name}" does not opt in: it needs the label ${EXEC_FROM_LABEL}=${namespace} (or ${EXEC_FROM_LABEL}=*), or the operator's --allow-exec-container`;
}
