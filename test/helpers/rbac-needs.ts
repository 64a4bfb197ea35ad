/**
 * What the operator needs from the Kubernetes API, one row per (API group, resource): the single
 * list the RBAC manifests (manifests/base) must grant exactly, nothing more. The manifests test
 * compares the rendered Roles with it; a test of the code can compare the calls the operator makes
 * with it too.
 *
 * scope: 'cluster' rows are granted by the ClusterRole (jobs live in every namespace);
 * 'namespace' rows by a Role in the operator's own namespace (ofelia-system).
 */
export interface RbacNeed {
  /** API group; '' is the core group. */
  readonly group: string;
  /** Resource, or resource/subresource. */
  readonly resource: string;
  readonly verbs: readonly string[];
  readonly scope: 'cluster' | 'namespace';
  /** Why the operator needs it. */
  readonly why: string;
}

export const RBAC_NEEDS: readonly RbacNeed[] = [
  {
    group: 'ofelia.dev',
    resource: 'scheduleddockerjobs',
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
    scope: 'cluster',
    why: 'the informer (list/watch), the cleanup finalizer and the run-now annotation (update/patch)',
  },
  {
    group: 'ofelia.dev',
    resource: 'scheduleddockerjobs/status',
    verbs: ['get', 'update', 'patch'],
    scope: 'cluster',
    why: 'the status writer: active runs, recent runs, conditions',
  },
  {
    group: 'ofelia.dev',
    resource: 'scheduleddockerjobs/finalizers',
    verbs: ['update'],
    scope: 'cluster',
    why: 'setting finalizers where OwnerReferencesPermissionEnforcement is on',
  },
  {
    group: 'ofelia.dev',
    resource: 'jobnotifiers',
    verbs: ['get', 'list', 'watch'],
    scope: 'cluster',
    why: 'the notifier informer (list/watch)',
  },
  {
    group: 'ofelia.dev',
    resource: 'jobnotifiers/status',
    verbs: ['get', 'patch'],
    scope: 'cluster',
    why: 'notifier status: Ready, last delivery, counters (merge patches)',
  },
  {
    group: '',
    resource: 'events',
    verbs: ['create', 'patch'],
    scope: 'cluster',
    why: 'core/v1 events about jobs and runs (patch aggregates repeats)',
  },
  {
    group: 'events.k8s.io',
    resource: 'events',
    verbs: ['create', 'patch'],
    scope: 'cluster',
    why: 'events.k8s.io/v1 events about jobs and runs',
  },
  {
    group: '',
    resource: 'secrets',
    verbs: ['get'],
    scope: 'cluster',
    why: 'env valueFrom.secretKeyRef, imagePullSecrets and JobNotifier addresses, headers and credentials, read by name',
  },
  {
    group: '',
    resource: 'configmaps',
    verbs: ['get'],
    scope: 'cluster',
    why: 'env valueFrom.configMapKeyRef, read by name',
  },
  {
    group: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
    scope: 'namespace',
    why: 'leader election and the replicas liveness leases, in the operator namespace only',
  },
];

/** One granted (or needed) permission: `scope group/resource verb`. */
export function permissionKeys(needs: readonly RbacNeed[]): string[] {
  return needs
    .flatMap((n) => n.verbs.map((v) => `${n.scope} ${n.group || 'core'}/${n.resource} ${v}`))
    .sort();
}
