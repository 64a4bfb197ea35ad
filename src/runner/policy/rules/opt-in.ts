/**
 * Whether a container accepts jobs of a namespace reaching into it (exec, or joining its network
 * namespace): its `ofelia.dev/exec-from` label names the namespace or `*`, or the operator allows
 * its name with --allow-exec-container. Pure.
 */
import { EXEC_FROM_LABEL, type SecurityPolicy } from '../../../api/security-policy.ts';
import type { ContainerFacts } from '../facts.ts';
import { matchesAny } from '../patterns.ts';

export function containerOptedIn(target: ContainerFacts, namespace: string, policy: SecurityPolicy): boolean {
  if (matchesAny(target.name, policy.allowedExecContainers)) return true;
  // Ofelia labels (src/labels): `ofelia.enabled=true` is the container's opt-in for the jobs its
  // labels define, which the label source keeps in the --docker-labels namespace.
  if (
    policy.ofeliaLabelsNamespace !== undefined &&
    namespace === policy.ofeliaLabelsNamespace &&
    target.labels['ofelia.enabled']?.toLowerCase() === 'true'
  )
    return true;
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
