/**
 * ScheduledDockerJob calls other than status: the list behind the informer, and the finalizer.
 *
 * Finalizer changes are JSON patches with a `test` of the current list, so a concurrent change of
 * `metadata.finalizers` (another controller's finalizer) makes the call fail with a conflict (the
 * reconcile is retried with fresh state) instead of overwriting it.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { ObjectKey } from '../api/job-reporting.ts';
import { FINALIZER, GROUP, PLURAL, VERSION } from '../api/schema.ts';
import { isNotFound } from './api-errors.ts';
import { jsonPatchOptions, type KubeClients, withTimeout } from './clients.ts';

export interface JobObject extends KubernetesObject {
  spec?: unknown;
  status?: unknown;
}

/** The informer path: one namespace, or all of them. */
export function jobsPath(namespace?: string): string {
  return namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
}

export function listJobs(
  clients: KubeClients,
  namespace?: string,
  timeoutMs = 30_000,
): () => Promise<KubernetesListObject<JobObject>> {
  return async () => {
    const list = namespace
      ? await clients.customObjects.listNamespacedCustomObject(
          { group: GROUP, version: VERSION, plural: PLURAL, namespace },
          withTimeout(timeoutMs),
        )
      : await clients.customObjects.listClusterCustomObject(
          { group: GROUP, version: VERSION, plural: PLURAL },
          withTimeout(timeoutMs),
        );
    return list as KubernetesListObject<JobObject>;
  };
}

/** Writes finalizers (the controller's only writes outside status). */
export interface FinalizerClient {
  add(key: ObjectKey, current: readonly string[] | undefined): Promise<void>;
  /** Resolves also when the object is already gone. */
  remove(key: ObjectKey, current: readonly string[]): Promise<void>;
}

export function kubeFinalizerClient(clients: KubeClients, timeoutMs?: number): FinalizerClient {
  const patch = (key: ObjectKey, body: unknown[]) =>
    clients.customObjects.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: key.namespace, name: key.name, body },
      jsonPatchOptions(timeoutMs),
    );
  return {
    async add(key, current) {
      if (current?.includes(FINALIZER)) return;
      const body = current
        ? [
            { op: 'test', path: '/metadata/finalizers', value: current },
            { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
          ]
        : [{ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }];
      await patch(key, body);
    },
    async remove(key, current) {
      if (!current.includes(FINALIZER)) return;
      try {
        await patch(key, [
          { op: 'test', path: '/metadata/finalizers', value: current },
          { op: 'replace', path: '/metadata/finalizers', value: current.filter((f) => f !== FINALIZER) },
        ]);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}
